"""Change history: who changed a platform or an adoption, when, and what changed.

A selector over the records django-simple-history keeps. A page of history costs the same few
queries whatever its length: the records with their users, the record just before the page (to
diff the oldest one on it), their many-to-many rows, the memberships of the people who made the
changes, and one lookup per related model to turn ids into slugs.

Who made a change is a username only for readers who already know the people: catalogue
administrators, the person themselves, and members of the organisation the person acted for.
Anyone else (anonymous readers, other organisations) reads "an editor of <organisation>": a
username is a sign-in name, and publishing it helps whoever guesses passwords.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Prefetch, Q

from platforms import rules
from platforms.models import Membership, Platform

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


def _record_organisation_id(record: models.Model) -> int | None:
    """The organisation a record belongs to: a platform's owner, an adoption's consumer."""
    for attribute in ("owner_id", "organisation_id"):
        if hasattr(record, attribute):
            return getattr(record, attribute)
    return None


def _changed_by(records: Sequence[models.Model], user: User) -> list[str | None]:
    """Who made each change, as ``user`` may read it (one query for the changers' memberships)."""
    changer_ids = {r.history_user_id for r in records if r.history_user_id is not None}
    memberships: dict[int, dict[int, tuple[str, str]]] = {}
    rows = (
        Membership.objects.filter(user_id__in=changer_ids)
        .order_by("organisation__name", "organisation_id")
        .values_list("user_id", "organisation_id", "organisation__name", "role")
    )
    for changer_id, organisation_id, organisation_name, role in rows:
        memberships.setdefault(changer_id, {})[organisation_id] = (organisation_name, role)
    reader_is_admin = user.is_authenticated and user.is_superuser
    reader_roles = rules.roles_of(user)

    def label(record: models.Model) -> str | None:
        changer = record.history_user
        if changer is None:
            return None
        if reader_is_admin or changer.pk == getattr(user, "pk", None):
            return changer.get_username()
        acted_for = memberships.get(changer.pk, {})
        organisation_id = _record_organisation_id(record)
        if organisation_id not in acted_for:
            # Not a member of the record's organisation (an administrator, or a member who has
            # since left): name the first organisation they belong to, if any.
            organisation_id = next(iter(acted_for), None)
        if organisation_id is None:
            if changer.is_superuser:
                return "a catalogue administrator"
            return "a catalogue user"
        if organisation_id in reader_roles:
            return changer.get_username()
        name, role = acted_for[organisation_id]
        article = "a reviewer" if role == Membership.Role.REVIEWER else "an editor"
        return f"{article} of {name}"

    return [label(record) for record in records]


def describe(
    records: Sequence[models.Model], before: models.Model | None, *, user: User
) -> list[HistoryEntry]:
    """One ``HistoryEntry`` per record, newest first, with the field changes since the record
    before it: ``id``, ``version``, ``changed_at``, ``changed_by`` (a username, "an editor of
    <organisation>" for readers outside that organisation, or None for the system),
    ``change_type`` (created, changed, deleted) and ``changes`` (``FieldChange(field, old,
    new)``, related records as slugs, many-to-many values as sorted lists of slugs)."""
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
            changed_by=changed_by,
            change_type=CHANGE_TYPES[record.history_type],
            changes=[readable(change) for change in changes],
        )
        for record, changes, changed_by in zip(
            records, raw, _changed_by(records, user), strict=True
        )
    ]


def _as_set(value: Any) -> set[Any]:
    if value is None:
        return set()
    if isinstance(value, Iterable) and not isinstance(value, str):
        return set(value)
    return {value}
