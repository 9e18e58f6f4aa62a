"""One FilterSet per resource. Unknown values are refused with a 400 that lists what is allowed,
never answered with an empty list that looks like "no results".

Filters on related rows use subqueries (``id__in=...values(...)``), not joins, so that they never
duplicate rows or disturb the ``reuse_count`` annotation.
"""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import EMPTY_VALUES
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Lower
from django_filters import fields as filters_fields
from django_filters import rest_framework as filters
from django_filters.utils import translate_validation
from rest_framework.exceptions import ValidationError

from platforms import search
from platforms.models import Adoption, Capability, Dependency, Organisation, Platform, Standard

# Longer queries are cut to this: no real search is longer, and the search backends' work grows
# with the length of the query (trigrams, synonyms).
MAX_QUERY_LENGTH = 200


def search_text(value: str) -> str:
    """The words of a ``q`` parameter that the search reads."""
    return " ".join(value.split())[:MAX_QUERY_LENGTH]


def _choice_message(choices) -> dict[str, str]:
    allowed = ", ".join(str(value) for value, _label in choices)
    return {"invalid_choice": f"“%(value)s” is not one of the allowed values: {allowed}."}


def _slug_message(thing: str) -> dict[str, str]:
    return {"invalid_choice": f"There is no {thing} with the slug “%(value)s”."}


class CommaMultipleChoiceField(forms.MultipleChoiceField):
    """Accepts ``?phase=live&phase=beta`` and ``?phase=live,beta`` alike."""

    def to_python(self, value):
        values = super().to_python(value)
        return [part.strip() for item in values for part in item.split(",") if part.strip()]


class CommaMultipleChoiceFilter(filters.MultipleChoiceFilter):
    """One ``IN (...)`` on the row's own column: no ``SELECT DISTINCT`` (django-filter's default
    for this filter, which sorted thousands of wide rows to page 50 and defeated the ordering
    indexes), as no join can repeat a row here."""

    field_class = CommaMultipleChoiceField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("distinct", False)
        super().__init__(*args, **kwargs)


class StrictBooleanField(forms.Field):
    """``true``/``false`` (also 1/0, yes/no); anything else is an error, not "no filter"."""

    TRUE, FALSE = {"true", "1", "yes"}, {"false", "0", "no"}
    default_error_messages = {"invalid": "“%(value)s” is not a boolean: use true or false."}

    def to_python(self, value):
        if value in (None, ""):
            return None
        text = str(value).strip().lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise forms.ValidationError(
            self.error_messages["invalid"], code="invalid", params={"value": value}
        )


class StrictBooleanFilter(filters.BooleanFilter):
    field_class = StrictBooleanField

    def __init__(self, *args, **kwargs):
        # django-filter's BooleanWidget turns unknown values into "no filter"; read the raw text.
        kwargs["widget"] = forms.TextInput
        super().__init__(*args, **kwargs)


class TiebreakOrderingFilter(filters.OrderingFilter):
    """Orders as asked, then by ``tiebreak`` (fields that together are unique), so that cursor
    pages are stable."""

    def __init__(self, *args, tiebreak: str | tuple[str, ...], **kwargs):
        self.tiebreak = (tiebreak,) if isinstance(tiebreak, str) else tiebreak
        super().__init__(*args, **kwargs)

    @property
    def field(self):
        field = super().field
        # The CSV field django-filter builds drops error_messages passed in; set it afterwards.
        field.error_messages.update(_choice_message(c for c in self.extra["choices"] if c[0]))
        return field

    def filter(self, qs: QuerySet, value) -> QuerySet:
        ordering = [self.get_ordering_value(param) for param in value or []]
        ordering = [field for field in ordering if field.lstrip("-") not in self.tiebreak]
        if not ordering:
            return qs
        by_name = any(field.lstrip("-") == "sort_name" for field in ordering)
        if by_name and "sort_name" not in qs.query.annotations:  # e.g. a ranked search's rows
            qs = qs.annotate(sort_name=Lower("name"))
        return qs.order_by(*ordering, *self.tiebreak)


class UtcDateTimeFilter(filters.IsoDateTimeFilter):
    """An ISO 8601 date-time, compared in UTC: Python accepts offsets up to 23:59 that PostgreSQL
    refuses (at most 15:59), so the value is converted before it reaches the database."""

    def filter(self, qs: QuerySet, value) -> QuerySet:
        if value is not None:
            try:
                value = value.astimezone(datetime.UTC)
            except OverflowError as error:  # 0001-01-01T00:00+05:00 is before year 1 in UTC
                raise ValidationError({"updated_after": ["This date-time is out of range."]}) from (
                    error
                )
        return super().filter(qs, value)


class CatalogueFilterSet(filters.FilterSet):
    """A filter named in the query needs a value: ``?updated_after=`` is refused, not read as "no
    filter", like any other value that is not one. (Free text, ``q``, may be empty.)"""

    def is_valid(self) -> bool:
        valid = super().is_valid()
        getlist = getattr(self.data, "getlist", None)
        for name, declared in self.filters.items():
            if name not in self.data or isinstance(declared, filters.CharFilter):
                continue
            values = getlist(name) if getlist else [self.data[name]]
            if isinstance(declared, filters.OrderingFilter):  # "name,,-updated_at"
                values = [part for value in values for part in str(value).split(",")]
            if any(not str(value).strip() for value in values):
                self.form.add_error(name, "Give a value, or leave the parameter out.")
                valid = False
        return valid


def _descendant_ids(root: Organisation) -> set[int]:
    """The organisation and every body beneath it, from one query over the (small) register."""
    children: dict[int, list[int]] = {}
    for org_id, parent_id in Organisation.objects.values_list("id", "parent_id"):
        children.setdefault(parent_id, []).append(org_id)
    found, frontier = {root.pk}, [root.pk]
    while frontier:  # bounded: each organisation is visited once, even if the data has a cycle
        frontier = [c for org_id in frontier for c in children.get(org_id, []) if c not in found]
        found.update(frontier)
    return found


def _visible_platforms(request) -> QuerySet:
    """Platforms the requester can see: another organisation's draft is an unknown slug."""
    if request is None:
        return Platform.objects.published()
    return Platform.objects.visible_to(request.user)


class _PlatformSlugField(filters_fields.ModelChoiceField):
    def to_python(self, value):
        # A slug may name a published platform and a draft of the reader's own organisation:
        # resolved as everywhere else (``by_slug``), never ``get(slug=...)`` (a 500 on two rows).
        if value in self.empty_values:
            return None
        try:
            return self.queryset.by_slug(str(value)).get()
        except (ValueError, TypeError, self.queryset.model.DoesNotExist):
            raise forms.ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            ) from None


class PlatformSlugFilter(filters.ModelChoiceFilter):
    """A platform named by slug, among those the requester can see."""

    field_class = _PlatformSlugField

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", _visible_platforms)
        kwargs.setdefault("to_field_name", "slug")
        kwargs.setdefault("error_messages", _slug_message("platform"))
        super().__init__(**kwargs)


class PlatformFilter(CatalogueFilterSet):
    owner = filters.ModelChoiceFilter(
        queryset=Organisation.objects.all(),
        to_field_name="slug",
        help_text="Owning organisation's slug.",
        error_messages=_slug_message("organisation"),
    )
    owner_tree = filters.ModelChoiceFilter(
        queryset=Organisation.objects.all(),
        to_field_name="slug",
        method="filter_owner_tree",
        help_text="An organisation's slug: platforms it or any body beneath it owns.",
        error_messages=_slug_message("organisation"),
    )
    capability = filters.ModelChoiceFilter(
        queryset=Capability.objects.all(),
        to_field_name="slug",
        method="filter_capability",
        help_text="Capability slug, e.g. payments.",
        error_messages=_slug_message("capability"),
    )
    standard = filters.ModelChoiceFilter(
        queryset=Standard.objects.all(),
        to_field_name="slug",
        method="filter_standard",
        help_text="Standard slug.",
        error_messages=_slug_message("standard"),
    )
    phase = CommaMultipleChoiceFilter(
        choices=Platform.Phase.choices,
        help_text="One or more phases: repeat the parameter or separate with commas.",
        error_messages=_choice_message(Platform.Phase.choices),
    )
    kind = CommaMultipleChoiceFilter(
        choices=Platform.Kind.choices,
        help_text="One or more kinds (service_platform, api, software_component, data_register).",
        error_messages=_choice_message(Platform.Kind.choices),
    )
    state = filters.ChoiceFilter(
        choices=Platform.State.choices,
        help_text="Publication state. Only members of the owner (and administrators) see drafts.",
        error_messages=_choice_message(Platform.State.choices),
    )
    is_open_source = StrictBooleanFilter(help_text="true or false.")
    adopted_by = filters.ModelChoiceFilter(
        queryset=Organisation.objects.all(),
        to_field_name="slug",
        method="filter_adopted_by",
        help_text="Organisation slug: platforms that organisation has in use.",
        error_messages=_slug_message("organisation"),
    )
    has_adopters = StrictBooleanFilter(
        method="filter_has_adopters",
        help_text="true: reused by at least one organisation other than the owner.",
    )
    contract_ends_before = filters.DateFilter(
        field_name="contract_end_date", lookup_expr="lt", help_text="A date, YYYY-MM-DD."
    )
    updated_after = UtcDateTimeFilter(
        field_name="updated_at", lookup_expr="gt", help_text="An ISO 8601 date-time."
    )
    q = filters.CharFilter(
        method="filter_q",
        help_text="Words to search for (names, summaries, descriptions, capabilities, standards, "
        "tags, owners; stemmed, typo-tolerant, with synonyms). Results are ranked best first "
        "unless ordering is given, and come in offset pages. Only the first "
        f"{MAX_QUERY_LENGTH} characters are read.",
    )
    ordering = TiebreakOrderingFilter(
        # (field, parameter): names sort without regard to case (``sort_name``, for_listing).
        fields=(("sort_name", "name"), "updated_at", "reuse_count"),
        # A slug is unique among published platforms and within an owner only: a member sees
        # the published "x" and their own drafts "x". The id ends every tie.
        tiebreak=("slug", "id"),
        help_text="name, updated_at or reuse_count; prefix with - for descending.",
    )

    class Meta:
        model = Platform
        fields = ["owner", "phase", "state", "is_open_source"]

    def filter_owner_tree(self, queryset: QuerySet, name: str, value: Organisation) -> QuerySet:
        """Platforms owned by the organisation or any of its descendants."""
        return queryset.filter(owner_id__in=_descendant_ids(value))

    @staticmethod
    def filter_capability(queryset: QuerySet, name: str, value: Capability) -> QuerySet:
        """Platforms meeting the capability (also the capability page's list)."""
        through = Platform.capabilities.through.objects.filter(capability=value)
        return queryset.filter(id__in=through.values("platform_id"))

    def filter_standard(self, queryset: QuerySet, name: str, value: Standard) -> QuerySet:
        """Platforms conforming to the standard."""
        through = Platform.standards.through.objects.filter(standard=value)
        return queryset.filter(id__in=through.values("platform_id"))

    def filter_adopted_by(self, queryset: QuerySet, name: str, value: Organisation) -> QuerySet:
        """Platforms the organisation has an adoption in use of."""
        adoptions = Adoption.objects.in_use().filter(organisation=value)
        return queryset.filter(id__in=adoptions.values("platform_id"))

    def filter_has_adopters(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        """Platforms with (or without) an adoption in use by someone other than the owner."""
        if value is None:
            return queryset
        reused = Adoption.objects.in_use().filter(platform=OuterRef("pk"))
        reused = reused.exclude(organisation=OuterRef("owner"))
        return queryset.filter(Exists(reused) if value else ~Exists(reused))

    @staticmethod
    def filter_q(queryset: QuerySet, name: str, value: str) -> QuerySet:
        """Ranked search (``platforms.search``): annotates ``score``, orders best first."""
        return search.search(queryset, search_text(value))

    @classmethod
    def searched_only(cls, queryset: QuerySet, data) -> QuerySet | None:
        """``queryset`` as this FilterSet filters it when ``q`` is the only filter ``data``
        names, without building the FilterSet and its form (copies of every filter and field,
        a search request's slowest Python after the search itself); None otherwise, or when the
        form would refuse the value (the FilterSet then says why, in its 400)."""
        if "q" not in data or any(name in cls.base_filters for name in data if name != "q"):
            return None
        try:
            # The form's own field, its cleaning and validators (e.g. no NUL character).
            value = cls.base_filters["q"].field.clean(data.get("q"))
        except DjangoValidationError:
            return None
        if value in EMPTY_VALUES:  # as django-filter skips a method filter's empty value
            return queryset
        return cls.filter_q(queryset, "q", value)


class AdoptionFilter(CatalogueFilterSet):
    platform = PlatformSlugFilter(help_text="Platform slug.")
    organisation = filters.ModelChoiceFilter(
        queryset=Organisation.objects.all(),
        to_field_name="slug",
        help_text="Adopting organisation's slug.",
        error_messages=_slug_message("organisation"),
    )
    status = CommaMultipleChoiceFilter(
        choices=Adoption.Status.choices,
        help_text="One or more statuses: repeat the parameter or separate with commas.",
        error_messages=_choice_message(Adoption.Status.choices),
    )
    ordering = TiebreakOrderingFilter(
        fields=("updated_at", "start_date"),
        tiebreak="id",
        help_text="updated_at or start_date; prefix with - for descending.",
    )

    class Meta:
        model = Adoption
        fields = ["platform", "organisation", "status"]


class DependencyFilter(CatalogueFilterSet):
    platform = PlatformSlugFilter(help_text="Slug of the platform that depends on another.")
    depends_on = PlatformSlugFilter(help_text="Slug of the platform depended on.")
    kind = CommaMultipleChoiceFilter(
        choices=Dependency.Kind.choices,
        help_text="One or more kinds: repeat the parameter or separate with commas.",
        error_messages=_choice_message(Dependency.Kind.choices),
    )

    class Meta:
        model = Dependency
        fields = ["platform", "depends_on", "kind"]


class OrganisationFilter(CatalogueFilterSet):
    kind = CommaMultipleChoiceFilter(
        choices=Organisation.Kind.choices,
        help_text="One or more kinds: repeat the parameter or separate with commas.",
        error_messages=_choice_message(Organisation.Kind.choices),
    )
    status = CommaMultipleChoiceFilter(
        choices=Organisation.Status.choices,
        help_text="One or more GOV.UK statuses.",
        error_messages=_choice_message(Organisation.Status.choices),
    )
    parent = filters.ModelChoiceFilter(
        queryset=Organisation.objects.all(),
        to_field_name="slug",
        help_text="Slug of the parent organisation: its direct children.",
        error_messages=_slug_message("organisation"),
    )
    q = filters.CharFilter(method="filter_q", help_text="Words in the name or abbreviation.")
    ordering = TiebreakOrderingFilter(
        fields=(("sort_name", "name"), "updated_at"),
        tiebreak="slug",
        help_text="name or updated_at; prefix with - for descending.",
    )

    class Meta:
        model = Organisation
        fields = ["kind", "status", "parent"]

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """Plain text match on name and abbreviation."""
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(abbreviation__iexact=value))


def filter_nested(
    filterset_class: type[CatalogueFilterSet],
    queryset: QuerySet,
    request,
    *,
    fixed_by_url: tuple[str, ...],
) -> QuerySet:
    """Filter a nested list (``platforms/{slug}/adoptions/``...) with its resource's FilterSet, as
    the top-level list is filtered, less the filters its URL already fixes and ``ordering`` (a
    nested list keeps its own order). A value that is not allowed is a 400, as on the top-level
    list; so is a filter of the top-level list that this one does not take, rather than being
    silently ignored."""
    filterset = filterset_class(request.query_params, queryset=queryset, request=request)
    refused = [name for name in (*fixed_by_url, "ordering") if name in filterset.filters]
    for name in refused:
        filterset.filters.pop(name)  # each FilterSet has its own copy of the filters
    given = sorted(name for name in refused if name in request.query_params)
    if given:
        allowed = ", ".join(sorted(filterset.filters))
        raise ValidationError(
            {name: [f"This list does not take “{name}”. Its filters: {allowed}."] for name in given}
        )
    if not filterset.is_valid():
        raise translate_validation(filterset.errors)
    return filterset.qs
