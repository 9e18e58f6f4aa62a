"""A list page read as rows of values, not model instances: the same JSON, a third of the time.

A page of 50 platforms built about 240 model instances (the platforms, their owners and
replacements, each capability and standard), a related manager and a cloned queryset per row for
each prefetched many-to-many, and selected every column of each replacement. Here the page is one
``values()`` query with the columns its serializer shows (the cursor's ordering columns too: DRF's
cursor pagination reads positions from dicts as from instances), and each many-to-many is one
``values_list()`` query on its through table, in the related model's ordering, as the prefetch
was. The rows go through the serializer's compiled plan (``api/representation.py``), which reads
dicts as it reads instances.

A related row whose serializer decides per reader whether to show it (``fast_attribute``, e.g.
the replacement of a retiring platform) is a model instance with the columns the rule reads, so
the rule in ``platforms.rules`` is the one that decides.

Used only when the serializer has a compiled plan and representations are not ``drf_only()``;
``tests/api/test_fast_lists.py`` compares every list with the model-instance path byte for byte.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from rest_framework import relations, serializers

from api.representation import FastRepresentationMixin, compiled_representations
from platforms.models import Platform

# Columns a cursor may order by (``ordering`` filters, views' orderings): DRF reads the position
# of the page's last row from them.
CURSOR_COLUMNS = ("id", "slug", "sort_name", "updated_at", "reuse_count")


def _shown_columns(serializer: serializers.Serializer) -> list[str]:
    """The model columns of a serializer's plain fields and hyperlinks."""
    columns = []
    for item in serializer.fields.values():
        if isinstance(item, relations.HyperlinkedIdentityField):
            columns.append(item.lookup_field)
        elif not isinstance(item, serializers.BaseSerializer):
            columns.append(item.source)
    return columns


@dataclass(frozen=True)
class ToMany:
    """A many-to-many shown as a list of summaries: read from its through table."""

    through: type[models.Model]
    owner_column: str  # e.g. platform_id
    target: str  # e.g. capability


@dataclass(frozen=True)
class PageRows:
    """How to read a page of ``serializer_class`` as dicts."""

    serializer_class: type[FastRepresentationMixin]
    to_many: dict[str, ToMany] = field(default_factory=dict)
    # Related rows built as model instances of this class (a rule reads them), with these
    # further columns.
    instances: dict[str, tuple[type[models.Model], tuple[str, ...]]] = field(default_factory=dict)

    def usable(self, serializer_class: type[FastRepresentationMixin] | None = None) -> bool:
        """Whether ``serializer_class`` (by default this one) represents from its plan."""
        serializer_class = serializer_class or self.serializer_class
        return compiled_representations() and serializer_class.compiled_plan() is not None

    def _layout(self) -> tuple[list[str], dict[str, list[str]]]:
        layout = self.__dict__.get("_cached_layout")
        if layout is None:
            prototype = self.serializer_class()
            columns = ["pk", *_shown_columns(prototype)]
            nested: dict[str, list[str]] = {}
            for name, item in prototype.fields.items():
                if isinstance(item, serializers.ListSerializer) or name in self.to_many:
                    continue
                if isinstance(item, serializers.BaseSerializer):
                    related = ["pk", *_shown_columns(item)]
                    if name in self.instances:
                        related.extend(self.instances[name][1])
                    nested[item.source] = list(dict.fromkeys(related))
            layout = (list(dict.fromkeys(columns)), nested)
            object.__setattr__(self, "_cached_layout", layout)
        return layout

    def queryset(self, queryset: models.QuerySet) -> models.QuerySet:
        """``queryset`` (filtered and ordered) as rows of the columns the page shows."""
        columns, nested = self._layout()
        cursor = [
            name
            for name in CURSOR_COLUMNS
            if name not in columns
            and (name in queryset.query.annotations or _is_column(queryset.model, name))
        ]
        related = [f"{name}__{column}" for name, names in nested.items() for column in names]
        return queryset.prefetch_related(None).values(*columns, *cursor, *related)

    def complete(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Each row with its related rows in place, as the serializer reads them."""
        _columns, nested = self._layout()
        for name, spec in self.to_many.items():
            summaries = _summaries(spec, [row["pk"] for row in rows])
            for row in rows:
                row[name] = summaries.get(row["pk"], [])
        for name, related_columns in nested.items():
            model = self.instances.get(name, (None,))[0]
            for row in rows:
                values = {column: row[f"{name}__{column}"] for column in related_columns}
                if values["pk"] is None:
                    row[name] = None
                elif model is None:
                    row[name] = values
                else:
                    row[name] = model(**values)
        return rows


def fill_summaries(instances: list[models.Model], to_many: dict[str, ToMany]) -> None:
    """Each instance's many-to-many relations read as summaries (dicts, for a compiled plan),
    in place of a prefetch: only for an instance no other code reads afterwards."""
    for name, spec in to_many.items():
        summaries = _summaries(spec, [instance.pk for instance in instances])
        for instance in instances:
            cache = instance.__dict__.setdefault("_prefetched_objects_cache", {})
            cache[name] = summaries.get(instance.pk, [])


def _is_column(model: type[models.Model], name: str) -> bool:
    try:
        return model._meta.get_field(name).concrete
    except Exception:  # noqa: BLE001 - FieldDoesNotExist: not a column of this model
        return False


def _summaries(spec: ToMany, ids: list[Any]) -> dict[Any, list[dict[str, Any]]]:
    """{row id: [{pk, slug, name}, ...]} in the related model's ordering (as a prefetch)."""
    target_model = spec.through._meta.get_field(spec.target).related_model
    ordering = [f"{spec.target}__{name}" for name in target_model._meta.ordering]
    found: dict[Any, list[dict[str, Any]]] = {}
    rows = (
        spec.through.objects.filter(**{f"{spec.owner_column}__in": ids})
        .order_by(*ordering)
        .values_list(
            spec.owner_column, f"{spec.target}_id", f"{spec.target}__slug", f"{spec.target}__name"
        )
    )
    for owner_id, pk, slug, name in rows:
        found.setdefault(owner_id, []).append({"pk": pk, "slug": slug, "name": name})
    return found


@functools.cache
def platform_rows() -> PageRows:
    """The rows of ``PlatformListSerializer``."""
    from api.serializers import PlatformListSerializer

    return PageRows(
        PlatformListSerializer,
        to_many={
            "capabilities": ToMany(Platform.capabilities.through, "platform_id", "capability"),
            "standards": ToMany(Platform.standards.through, "platform_id", "standard"),
        },
        # Whether a replacement is shown is the rule's to say (an editor's own draft is).
        instances={"replaced_by": (Platform, ("state", "owner_id"))},
    )


@functools.cache
def adoption_rows() -> PageRows:
    """The rows of ``AdoptionSerializer``."""
    from api.serializers import AdoptionSerializer

    return PageRows(AdoptionSerializer)
