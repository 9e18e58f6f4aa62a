"""Change history: who changed a platform or an adoption, when, and what changed.

A selector (it only reads), over the records django-simple-history keeps; like ``api.impact`` it
belongs in ``platforms`` and lives here until it is moved there.

A page of history costs the same few queries whatever its length: the records with their users, the
record just before the page (to diff the oldest one on it), their many-to-many rows, and one lookup
per related model to turn ids into slugs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Prefetch, Q

from platforms.models import Platform

if TYPE_CHECKING:
    from platforms.querysets import User

CHANGE_TYPES = {"+": "created", "~": "changed", "-": "deleted"}
# They change with every record, so they say nothing a reader wants to know.
UNINFORMATIVE_FIELDS = frozenset({"created_at", "updated_at", "version"})
ORDERING = ("-history_date", "-history_id")


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class HistoryEntry:
    id: int
    version: int
    changed_at: Any
    changed_by: str | None
    change_type: str
    changes: list[FieldChange]


def _m2m_accessors(history_model: type[models.Model]) -> dict[str, tuple[str, str]]:
    """{many-to-many field: (the history record's accessor for its rows, the target id column)}."""
    accessors = {}
    for field in getattr(history_model, "_history_m2m_fields", ()):
        rows_model = history_model.__dict__[field.name].model
        relation = next(
            r for r in history_model._meta.related_objects if r.related_model is rows_model
        )
        target = next(
            f for f in rows_model._meta.concrete_fields if f.related_model is field.related_model
        )
        accessors[field.name] = (relation.get_accessor_name(), target.attname)
    return accessors


def records_of(instance: models.Model) -> models.QuerySet:
    """The history of one platform or adoption, newest first, with what each entry needs loaded."""
    history_model = instance.history.model
    prefetches = [Prefetch(name) for name, _column in _m2m_accessors(history_model).values()]
    return (
        history_model.objects.filter(id=instance.pk)
        .select_related("history_user")
        .prefetch_related(*prefetches)
        .order_by(*ORDERING)
    )


def predecessor(records: models.QuerySet, oldest: models.Model) -> models.Model | None:
    """The record just before ``oldest`` (for the diff of the last entry on a page)."""
    date = oldest.history_date
    earlier = Q(history_date__lt=date) | Q(history_date=date, history_id__lt=oldest.history_id)
    return records.filter(earlier).first()


def _slugs(model: type[models.Model], ids: set[Any], user: User) -> dict[Any, str]:
    if not ids:
        return {}
    queryset = model.objects.all()
    if model is Platform:
        # Another organisation's draft stays invisible, even as an old value.
        queryset = Platform.objects.visible_to(user)
    return dict(queryset.filter(pk__in=ids).values_list("pk", "slug"))


def describe(
    records: Sequence[models.Model], before: models.Model | None, *, user: User
) -> list[HistoryEntry]:
    """One entry per record, with the field changes since the record before it."""
    if not records:
        return []
    history_model = type(records[0])
    m2m = _m2m_accessors(history_model)
    chain = [*records, before] if before is not None else list(records)

    def m2m_ids(record: models.Model, name: str) -> set[Any]:
        accessor, column = m2m[name]
        return {getattr(row, column) for row in getattr(record, accessor).all()}

    raw: list[list[FieldChange]] = []
    for record, previous in zip(records, [*chain[1:], None], strict=False):
        if previous is None or record.history_type != "~":
            raw.append([])
            continue
        delta = record.diff_against(previous, excluded_fields=[*UNINFORMATIVE_FIELDS, *m2m])
        changes = [FieldChange(c.field, c.old, c.new) for c in delta.changes]
        for name in m2m:
            old, new = m2m_ids(previous, name), m2m_ids(record, name)
            if old != new:
                changes.append(FieldChange(name, old, new))
        raw.append(sorted(changes, key=lambda change: change.field))

    # Ids become slugs: one query per related model, whatever the number of entries.
    targets = {
        f.name: f.related_model
        for f in history_model.instance_type._meta.get_fields()
        if f.is_relation
        and f.concrete
        and f.related_model is not None
        and f.name in {c.field for changes in raw for c in changes}
    }
    wanted: dict[type[models.Model], set[Any]] = {}
    for changes in raw:
        for change in changes:
            if change.field in targets:
                ids = _as_set(change.old) | _as_set(change.new)
                wanted.setdefault(targets[change.field], set()).update(ids)
    slugs = {model: _slugs(model, ids, user) for model, ids in wanted.items()}

    def readable(change: FieldChange) -> FieldChange:
        model = targets.get(change.field)
        if model is None:
            return change
        names = slugs[model]
        if change.field in m2m:
            # A since-deleted capability or standard has no slug left to show.
            return FieldChange(
                change.field,
                sorted(names[i] for i in change.old if i in names),
                sorted(names[i] for i in change.new if i in names),
            )
        return FieldChange(change.field, names.get(change.old), names.get(change.new))

    return [
        HistoryEntry(
            id=record.history_id,
            version=record.version,
            changed_at=record.history_date,
            changed_by=record.history_user.get_username() if record.history_user else None,
            change_type=CHANGE_TYPES[record.history_type],
            changes=[readable(change) for change in changes],
        )
        for record, changes in zip(records, raw, strict=True)
    ]


def _as_set(value: Any) -> set[Any]:
    if value is None:
        return set()
    if isinstance(value, Iterable) and not isinstance(value, str):
        return set(value)
    return {value}
