"""The search documents of the platforms a bulk import creates, computed on PostgreSQL by the
same expression as ``platforms.search.postgres.document()`` (compiled by the ORM, part by part),
in two statements instead of one so that the expensive one can use parallel workers.

``document()`` is a ``||`` of seven weighted ``to_tsvector`` parts; three of them (the
capabilities', the standards' and the owner's names) read other tables through a correlated
subquery, which keeps PostgreSQL from computing the document in parallel. So:

1. ``texts_sql``: the text of each of those parts (the part's own ``COALESCE`` of its
   subquery, compiled by the ORM) for every staging row, into a table (about a second);
2. ``documents_sql``: every part's ``setweight(to_tsvector(...))`` and their ``||`` in the
   order of ``document()``; the parts that read other tables take the same text from (1).
   ``to_tsvector`` of the same text is the same vector, so the document is the one
   ``search.reindex`` writes (a test compares them), computed by parallel workers (the
   stemming of 100,000 names, summaries and descriptions was most of the import's insert).
"""

from __future__ import annotations

from typing import Any

from django.contrib.postgres.search import CombinedSearchVector, SearchVector
from django.db.models import Subquery, TextField
from django.db.models.expressions import RawSQL

from platforms.models import Platform

TEXT_ALIAS = "catalogue_document_text"


def _parts(expression: Any) -> list[SearchVector]:
    """The ``SearchVector`` parts of a ``||`` of them, left to right."""
    if isinstance(expression, CombinedSearchVector):
        return _parts(expression.lhs) + _parts(expression.rhs)
    if not isinstance(expression, SearchVector):  # pragma: no cover - a guard
        raise TypeError(f"Not a search vector: {expression!r}")
    return [expression]


def _reads_other_rows(expression: Any) -> bool:
    if isinstance(expression, Subquery):
        return True
    return any(_reads_other_rows(e) for e in expression.get_source_expressions() if e is not None)


class DocumentSql:
    """The two statements' SQL over a staging table that has the platform table's columns,
    aliased as the platform table (the ORM compiles ``document()`` against its name)."""

    def __init__(self, db: Any) -> None:
        from platforms.search.postgres import document

        query = Platform.objects.order_by().query
        compiler = query.get_compiler(connection=db)
        quote = db.ops.quote_name
        self.alias = quote(Platform._meta.db_table)
        self.texts: list[tuple[str, str, list[Any]]] = []  # (column, SQL, params)
        vectors: list[tuple[str, list[Any]]] = []
        for index, part in enumerate(_parts(document())):
            resolved = part.resolve_expression(query)
            if not _reads_other_rows(resolved):
                vectors.append(compiler.compile(resolved))
                continue
            column = f"part_{index}"
            # The part's text: its expressions, each in the COALESCE it gives to_tsvector.
            bare = resolved.copy()
            bare.weight = None
            text_sql, text_params = bare.as_sql(compiler, db, template="%(expressions)s")
            self.texts.append((column, text_sql, text_params))
            # The same part of the text in that column (a name of this module's, no input).
            text = RawSQL(f"{TEXT_ALIAS}.{column}", [], output_field=TextField())  # noqa: S611
            same = SearchVector(text, config=part.config, weight=part.weight)
            vectors.append(compiler.compile(same.resolve_expression(query)))
        sql, params = vectors[0]
        for more_sql, more_params in vectors[1:]:
            sql, params = f"({sql} || {more_sql})", [*params, *more_params]
        self.document = (sql, params)

    def texts_sql(
        self, staging: str, target: str, kind: str = "UNLOGGED"
    ) -> tuple[str, list[Any]] | None:
        """``CREATE TABLE target AS`` the texts of the parts that read other tables (``kind``:
        ``UNLOGGED``, or ``TEMPORARY`` where the import may not create tables)."""
        if not self.texts:
            return None
        columns = ", ".join(f"{sql} AS {column}" for column, sql, _ in self.texts)
        params = [p for _, _, part_params in self.texts for p in part_params]
        return (
            f"CREATE {kind} TABLE {target} AS SELECT {self.alias}.id, {columns} "  # noqa: S608
            f"FROM {staging} AS {self.alias}",
            params,
        )

    def documents_sql(
        self, staging: str, texts: str, target: str, kind: str = "UNLOGGED"
    ) -> tuple[str, list[Any]]:
        """``CREATE TABLE target AS`` each staging row's id and document (``document``)."""
        sql, params = self.document
        join = (
            f" JOIN {texts} AS {TEXT_ALIAS} ON {TEXT_ALIAS}.id = {self.alias}.id"
            if self.texts
            else ""
        )
        return (
            f"CREATE {kind} TABLE {target} AS SELECT {self.alias}.id, {sql} AS document "  # noqa: S608
            f"FROM {staging} AS {self.alias}{join}",
            params,
        )
