"""The side panels of a platform's page in two statements, whatever the platform's size.

``related_rows`` reads, in one ``UNION ALL``, the platform's capabilities and standards, the
first dependencies each way, and the many-to-many rows of its latest history records;
``recent_changes`` reads those records and says which fields each one changed. Each panel on its
own was a query or two (ten in all for GOV.UK Notify); the page now costs the same few whatever
the number of dependencies, history entries or capabilities.

The compound statement is portable: SQLite refuses ``ORDER BY``/``LIMIT`` in the parts of a
compound query, so each part picks its rows with a bounded subquery (``pk IN (... LIMIT n)``)
and numbers them with ``ROW_NUMBER()`` in the order the page shows them (the database's
collation, not Python's).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import BigIntegerField, F, Value, Window
from django.db.models.functions import Cast, RowNumber

from platforms.models import Capability, Dependency, Organisation, Platform, Standard
from platforms.selectors import history

if TYPE_CHECKING:
    from platforms.querysets import User

# The columns every part of the compound statement selects, in this order.
COLUMNS = ("panel", "row_id", "ref_id", "row_name", "row_slug", "detail", "row_kind", "position")

# The taxonomies the page lists, by the platform's many-to-many field (also their panel's name):
# their model, its column in the through table, and the field read into ``detail`` if any.
TAXONOMIES: dict[str, tuple[type[models.Model], str, str | None]] = {
    "capabilities": (Capability, "capability", None),
    "standards": (Standard, "standard", "url"),
}


@dataclass
class Panels:
    """What ``related_rows`` read: model instances the templates use as they are."""

    capabilities: list[Capability] = field(default_factory=list)
    standards: list[Standard] = field(default_factory=list)
    # ``depends_on``: what the platform depends on; ``platform``: what depends on it.
    dependencies: dict[str, list[Dependency]] = field(
        default_factory=lambda: {"depends_on": [], "platform": []}
    )
    # {history_id: {many-to-many field: set of target ids}}
    history_m2m: dict[int, dict[str, set[int]]] = field(default_factory=dict)


def _part(queryset: models.QuerySet, panel: str, order_by: list, **columns: Any):
    """One part of the compound statement: ``COLUMNS`` in order, numbered by ``order_by``."""
    blank = {
        # Typed: PostgreSQL takes two untyped NULLs in a row for text.
        "row_id": Cast(Value(None), BigIntegerField()),
        "ref_id": Cast(Value(None), BigIntegerField()),
        "row_name": Value(""),
        "row_slug": Value(""),
        "detail": Value(""),
        "row_kind": Value(""),
    }
    return (
        queryset.order_by()
        .annotate(
            panel=Value(panel),
            **(blank | columns),
            position=Window(RowNumber(), order_by=order_by),
        )
        .values_list(*COLUMNS)
    )


def _taxonomy_part(platform: Platform, panel: str):
    """The platform's capabilities or standards (``panel``, a key of ``TAXONOMIES``), by name."""
    _model, column, detail = TAXONOMIES[panel]
    return _part(
        getattr(Platform, panel).through.objects.filter(platform=platform),
        panel,
        [F(f"{column}__name"), F(f"{column}_id")],
        row_id=F(f"{column}_id"),
        row_name=F(f"{column}__name"),
        row_slug=F(f"{column}__slug"),
        **({"detail": F(f"{column}__{detail}")} if detail else {}),
    )


def _history_records(platform: Platform) -> models.QuerySet:
    return Platform.history.model.objects.filter(id=platform.pk).order_by(*history.ORDERING)


def related_rows(
    platform: Platform, user: User, *, dependencies: int, history_records: int
) -> Panels:
    """The platform's capabilities and standards (in name order), its first ``dependencies``
    dependencies each way (by the other end's name, both ends visible to ``user``) and the
    many-to-many rows of its latest ``history_records`` history records: one statement."""
    parts = [_taxonomy_part(platform, panel) for panel in TAXONOMIES]
    edges = Dependency.objects.visible_to(user)
    for side, other in (("depends_on", "depends_on"), ("platform", "platform")):
        # side "depends_on": the platform depends on ``other``; "platform": ``other`` depends on it.
        mine = "platform" if side == "depends_on" else "depends_on"
        order = [F(f"{other}__name"), F("pk")]
        first = edges.filter(**{mine: platform}).order_by(*order).values("pk")[:dependencies]
        parts.append(
            _part(
                Dependency.objects.filter(pk__in=first),
                side,
                order,
                row_id=F("pk"),
                ref_id=F(f"{other}_id"),
                row_name=F(f"{other}__name"),
                row_slug=F(f"{other}__slug"),
                detail=F(f"{other}__owner__name"),
                row_kind=F("kind"),
            )
        )
    latest = _history_records(platform).values("history_id")[:history_records]
    m2m_fields = {f.name: f for f in getattr(Platform.history.model, "_history_m2m_fields", ())}
    for name, m2m_field in m2m_fields.items():
        rows_model = Platform.history.model.__dict__[name].model
        target = next(
            f.attname
            for f in rows_model._meta.concrete_fields
            if f.related_model is m2m_field.related_model
        )
        parts.append(
            _part(
                rows_model.objects.filter(history_id__in=latest),
                f"history {name}",
                [F("pk")],
                row_id=F("history_id"),
                ref_id=F(target),
            )
        )

    panels = Panels()
    rows = parts[0].union(*parts[1:], all=True)
    for panel, row_id, ref_id, name, slug, detail, kind, _position in sorted(
        rows, key=lambda row: (row[0], row[-1])
    ):
        if panel in TAXONOMIES:
            model, _column, detail_field = TAXONOMIES[panel]
            shown = {detail_field: detail} if detail_field else {}
            getattr(panels, panel).append(model(pk=row_id, name=name, slug=slug, **shown))
        elif panel in panels.dependencies:
            other = Platform(pk=ref_id, name=name, slug=slug, owner=Organisation(name=detail))
            edge = Dependency(pk=row_id, kind=kind)
            setattr(edge, panel, other)
            panels.dependencies[panel].append(edge)
        else:
            changed = panels.history_m2m.setdefault(row_id, {})
            changed.setdefault(panel.removeprefix("history "), set()).add(ref_id)
    return panels


def prefetched(instance: models.Model, name: str, objects: list[models.Model]) -> None:
    """Store ``objects`` as ``instance``'s prefetched ``name`` (as ``prefetch_related`` does):
    ``instance.<name>.all()`` then reads no database."""
    queryset = getattr(instance, name).all()
    queryset._result_cache = objects
    queryset._prefetch_done = True
    if not hasattr(instance, "_prefetched_objects_cache"):
        instance._prefetched_objects_cache = {}
    instance._prefetched_objects_cache[name] = queryset


@dataclass(frozen=True)
class Change:
    """One history entry as the platform's page shows it: when, which version, what changed."""

    changed_at: Any
    version: int
    change_type: str
    changed_fields: list[str]


def recent_changes(platform: Platform, panels: Panels, *, entries: int) -> list[Change]:
    """The latest ``entries`` history records of the platform (one query: the record before
    the oldest is read too, for its diff), each with the names of the fields it changed, as
    ``history.describe`` names them; many-to-many values come from ``panels``."""
    records = list(_history_records(platform)[: entries + 1])
    m2m = [f.name for f in getattr(Platform.history.model, "_history_m2m_fields", ())]
    changes = []
    for record, previous in zip(records[:entries], [*records[1:], None], strict=False):
        fields: list[str] = []
        if previous is not None and record.history_type == "~":
            delta = record.diff_against(
                previous, excluded_fields=[*history.UNINFORMATIVE_FIELDS, *m2m]
            )
            fields = [change.field for change in delta.changes]
            now = panels.history_m2m.get(record.history_id, {})
            before = panels.history_m2m.get(previous.history_id, {})
            fields += [name for name in m2m if now.get(name, set()) != before.get(name, set())]
        changes.append(
            Change(
                changed_at=record.history_date,
                version=record.version,
                change_type=history.CHANGE_TYPES[record.history_type],
                changed_fields=sorted(fields),
            )
        )
    return changes
