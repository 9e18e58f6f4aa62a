"""What the search page's filters accept: the API's ``PlatformFilter``, with the facets that a page
offers as checkboxes taking several values (a platform matching any of the ticked values of a
facet, and every facet)."""

from __future__ import annotations

from django.db.models import QuerySet
from django_filters import rest_framework as filters

from api.filters import PlatformFilter
from platforms.models import Capability, Organisation, Platform, Standard

OPEN_SOURCE_CHOICES = [("true", "Open source"), ("false", "Not open source")]


def _unknown(thing: str) -> dict[str, str]:
    return {"invalid_choice": f"There is no {thing} “%(value)s”: untick it and search again."}


def _unknown_choice(thing: str) -> dict[str, str]:
    return {"invalid_choice": f"“%(value)s” is not a {thing} the catalogue uses."}


class SearchFilter(PlatformFilter):
    """The search page's query parameters: ``q``, ``capability``, ``owner``, ``phase``,
    ``standard`` and ``open_source``, each facet repeatable."""

    capability = filters.ModelMultipleChoiceFilter(
        queryset=Capability.objects.all(),
        to_field_name="slug",
        method="filter_capabilities",
        error_messages=_unknown("capability"),
    )
    owner = filters.ModelMultipleChoiceFilter(
        queryset=Organisation.objects.all(),
        to_field_name="slug",
        method="filter_owners",
        error_messages=_unknown("organisation"),
    )
    standard = filters.ModelMultipleChoiceFilter(
        queryset=Standard.objects.all(),
        to_field_name="slug",
        method="filter_standards",
        error_messages=_unknown("standard"),
    )
    # A column of the platform itself: no join to repeat a row, so no DISTINCT (which sorted
    # every live platform at full width, twice: 440 ms of the page at 100,000 platforms).
    phase = filters.MultipleChoiceFilter(
        choices=Platform.Phase.choices, error_messages=_unknown_choice("phase"), distinct=False
    )
    open_source = filters.MultipleChoiceFilter(
        choices=OPEN_SOURCE_CHOICES,
        method="filter_open_source",
        error_messages=_unknown_choice("value of open source"),
    )

    class Meta(PlatformFilter.Meta):
        fields = ["owner", "phase"]

    @classmethod
    def get_filters(cls):
        """The words last (then the ordering): the search counts and facets every match of the
        platforms the other filters leave, so that ``open_source`` (declared here, after the
        inherited ``q``) narrows what it counts instead of the rows after it counted."""
        filters = super().get_filters()
        for name in ("q", "ordering"):
            filters[name] = filters.pop(name)
        return filters

    def filter_capabilities(self, queryset: QuerySet, name: str, value) -> QuerySet:
        """Platforms meeting any of the capabilities."""
        if not value:
            return queryset
        through = Platform.capabilities.through.objects.filter(capability__in=value)
        return queryset.filter(id__in=through.values("platform_id"))

    def filter_owners(self, queryset: QuerySet, name: str, value) -> QuerySet:
        """Platforms owned by any of the organisations."""
        return queryset.filter(owner__in=value) if value else queryset

    def filter_standards(self, queryset: QuerySet, name: str, value) -> QuerySet:
        """Platforms conforming to any of the standards."""
        if not value:
            return queryset
        through = Platform.standards.through.objects.filter(standard__in=value)
        return queryset.filter(id__in=through.values("platform_id"))

    def filter_open_source(self, queryset: QuerySet, name: str, value) -> QuerySet:
        """Open source, not open source, or (both ticked) either."""
        wanted = {choice == "true" for choice in value}
        if len(wanted) != 1:
            return queryset
        return queryset.filter(is_open_source=wanted.pop())


# The search page's facets, in the order the filters are shown, with their legends.
FACETS = [
    ("capability", "Capability"),
    ("phase", "Phase"),
    ("owner", "Owner"),
    ("standard", "Standard"),
    ("open_source", "Open source"),
]
