"""The public catalogue pages. Thin: the reads are the querysets, the search backend, the API's
filters and the selectors that the API uses too; these views only choose, validate and page."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Page, Paginator
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce, Lower
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET

from api.discovery import _reasons as visible_reasons
from api.filters import PlatformFilter, search_text
from catalogue.web import components, panels
from catalogue.web.filters import FACETS, SearchFilter
from catalogue.web.suggestions import suggest
from platforms import rules, search
from platforms.models import Adoption, Capability, Organisation, Platform
from platforms.search.base import total_matches
from platforms.selectors.capabilities import capability_phase_counts, capability_platform_counts
from platforms.selectors.dashboard import reuse_figures

PAGE_SIZE = 20
ADOPTERS_PAGE_SIZE = 25
# Dependencies and dependents listed on a platform's page; the rest are in the lists behind it.
DEPENDENCIES_SHOWN = 25
HISTORY_ENTRIES = 10
SIMILAR_PLATFORMS = 5
MOST_REUSED = 10
MAX_COMPARED = 3
# Rows of each list on an organisation's page and on a capability's page.
ORGANISATION_PAGE_SIZE = 50
CAPABILITY_PAGE_SIZE = 50
ORGANISATION_ANCHORS = {"owns_page": "owns", "reuses_page": "reuses"}
FACET_SIZE = 15


class PageError(Exception):
    """A query parameter the page cannot use: shown in the GOV.UK error summary."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field, self.message = field, message


def _page(
    request: HttpRequest,
    items,
    per_page: int,
    errors: list[PageError],
    param: str = "page",
    count: int | None = None,
) -> Page:
    """One page of ``items``. A page number that is not one adds a ``PageError`` to ``errors``
    and shows the first page, never a 500."""
    paginator = Paginator(items, per_page)
    if count is not None:  # already known (counted with something else): no COUNT query
        paginator.count = count
    raw = request.GET.get(param, "1").strip() or "1"
    if not raw.isdigit() or int(raw) < 1:
        errors.append(
            PageError(param, f"The page number must be a whole number from 1: “{raw}” is not.")
        )
        return paginator.page(1)
    number = int(raw)
    if number > max(paginator.num_pages, 1):
        errors.append(
            PageError(
                param,
                f"There is no page {number}: the results have {paginator.num_pages} page(s).",
            )
        )
        return paginator.page(1)
    return paginator.page(number)


def _pagination(request: HttpRequest, page: Page, param: str = "page") -> dict | None:
    """The parameters of the GOV.UK pagination component for ``page``, keeping the query."""
    if page.paginator.num_pages < 2:
        return None

    def href(number: int) -> str:
        params = request.GET.copy()
        params[param] = str(number)
        return f"?{params.urlencode()}"

    items = []
    for number in page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1):
        if number == page.paginator.ELLIPSIS:
            items.append({"ellipsis": True})
        else:
            items.append({"number": number, "href": href(number), "current": number == page.number})
    return {
        "items": items,
        "previous": {"href": href(page.number - 1)} if page.has_previous() else None,
        "next": {"href": href(page.number + 1)} if page.has_next() else None,
    }


def _errors_from_form(form) -> list[PageError]:
    return [
        PageError(name, str(message))
        for name, messages in form.errors.items()
        for message in messages
    ]


def _error_context(errors: list[PageError], anchors: dict[str, str] | None = None) -> dict:
    anchors = anchors or {}
    return {
        "errors": errors,
        "error_summary": components.error_summary(
            [{"text": e.message, "href": f"#{anchors.get(e.field, e.field)}"} for e in errors]
        ),
    }


# --- home ----------------------------------------------------------------------------------


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The front door: a search box, capabilities with their counts, headline reuse figures and
    the most reused platforms (those with reuse, never a retiring or retired one)."""
    visible = Platform.objects.visible_to(request.user)
    # Both from the figures kept on write (``platforms.insight_figures``), summed over what the
    # reader may see, not counted over every visible platform and adoption.
    capabilities = capability_platform_counts(user=request.user)
    figures = reuse_figures(user=request.user)
    most_reused = (
        visible.exclude(phase__in=Platform.RETIREMENT_PHASES)
        .for_listing()
        .prefetch_related(None)  # the table shows neither capabilities nor standards
        .filter(reuse_count__gt=0)
        .order_by("-reuse_count", "name")[:MOST_REUSED]
    )
    context = {
        "platform_count": figures["platforms"],
        "reuse": {"reuses": figures["reuses"], "organisations": figures["organisations"]},
        "capabilities": capabilities,
        "most_reused": most_reused,
    }
    return render(request, "web/home.html", context)


# --- search --------------------------------------------------------------------------------


def _facet_checkboxes(
    name: str, legend: str, rows: list[dict], selected: list[str], error: str | None = None
) -> dict:
    """The GOV.UK checkboxes parameters of one facet: its ``FACET_SIZE`` values with the most
    results (the page stays short whatever the catalogue's size) and every ticked value, at 0 if
    it matches nothing."""
    values = {str(row["value"]).lower(): row for row in rows[:FACET_SIZE]}
    values |= {
        str(row["value"]).lower(): row for row in rows if str(row["value"]).lower() in selected
    }
    items = [
        {
            "value": value,
            "text": f"{row['label']} ({row['count']})",
            "checked": value in selected,
        }
        for value, row in values.items()
    ]
    items += [
        {"value": v, "text": f"{v} (0)", "checked": True} for v in selected if v not in values
    ]
    return {
        "name": name,
        "idPrefix": name,
        "classes": "govuk-checkboxes--small",
        "fieldset": {"legend": {"text": legend, "classes": "govuk-fieldset__legend--s"}},
        "items": items,
        "errorMessage": {"text": error} if error else None,
    }


def _api_links(request: HttpRequest) -> dict[str, str]:
    """The same query in the API (ranked, with facets) and as CSV."""
    params = [
        ("is_open_source" if key == "open_source" else key, value)
        for key, values in request.GET.lists()
        if key in {"q", "capability", "owner", "phase", "standard", "open_source"}
        for value in values
    ]
    query = urlencode(params)
    csv_query = urlencode([*params, ("format", "csv")])
    return {
        "api": f"{reverse('api:search-list')}?{query}" if query else reverse("api:search-list"),
        "csv": f"{reverse('api:platform-list')}?{csv_query}",
    }


@require_GET
def search_page(request: HttpRequest) -> HttpResponse:
    """Ranked results with facets, as the API's ``search/`` gives them (the same FilterSet and
    search backend), a page at a time, with highlights and advice when nothing matches."""
    query = search_text(request.GET.get("q", ""))
    visible = Platform.objects.visible_to(request.user)
    filterset = SearchFilter(request.GET, queryset=visible, request=request)
    errors: list[PageError] = []
    if filterset.is_valid():
        matches = filterset.qs
    else:
        errors = _errors_from_form(filterset.form)
        # Show what the words alone find, below the error summary.
        matches = search.search(visible, query) if query else visible
    if "score" not in matches.query.annotations:
        matches = search.search(matches, "")
    if not matches.query.order_by:
        matches = matches.order_by("name", "slug", "id")  # a slug can name several rows

    counts = search.facets(matches, reader=request.user)
    # A result shows its capabilities, not its standards.
    rows = matches.for_listing().prefetch_related(None).prefetch_related("capabilities")
    # Browsing (no words): the facets count the list.
    listed_count = None if query else search.counted(counts)
    page = _page(request, rows, PAGE_SIZE, errors, count=listed_count)
    names = search.highlights(page, query, field="name")
    summaries = search.highlights(page, query, field="summary")
    for platform in page:
        platform.name_html, platform.summary_html = names[platform.pk], summaries[platform.pk]

    selected = {name: [v.lower() for v in request.GET.getlist(name)] for name, _ in FACETS}
    messages = {error.field: error.message for error in errors}
    facets = [
        _facet_checkboxes(name, legend, counts[name], selected[name], messages.get(name))
        for name, legend in FACETS
    ]
    # Every match is counted up to search.COUNT_CAP (beyond it the page says "more than"); only
    # the best ``CANDIDATES`` are ranked into pages: the page says so.
    listed = page.paginator.count
    total = max(total_matches(matches) or 0, listed)
    suggestion = suggest(query, visible) if query and total == 0 and not errors else None
    context = {
        "query": query,
        "page": page,
        "total": total,
        "listed": listed,
        "total_capped": search.count_is_capped(matches),
        "pagination": _pagination(request, page),
        "facets": facets,
        "any_filter": any(selected.values()),
        "suggestion": suggestion,
        "links": _api_links(request),
        **(_error_context(errors, {"page": "results"}) if errors else {}),
    }
    return render(request, "web/search.html", context, status=400 if errors else 200)


# --- a platform ----------------------------------------------------------------------------


def _impact_url(platform: Platform) -> str:
    """The impact page once it exists; until then, the API's impact analysis."""
    try:
        return reverse("web:platform-impact", args=[platform.slug])
    except NoReverseMatch:
        return reverse("api:platform-dependents", args=[platform.slug])


@require_GET
def platform_page(request: HttpRequest, slug: str) -> HttpResponse:
    """Everything an architect needs to decide to reuse a platform."""
    user = request.user
    visible = Platform.objects.visible_to(user)
    # The adopters' count by status comes with the platform (a count each from the
    # (platform, status) index): no query of its own.
    per_status = {
        f"adopters_{status}": Coalesce(
            Subquery(
                Adoption.objects.filter(platform=OuterRef("pk"), status=status)
                .order_by()
                .values("platform")
                .annotate(count=Count("*"))
                .values("count")
            ),
            0,
        )
        for status in Adoption.Status.values
    }
    # Capabilities and standards come with the other panels below, not as prefetches.
    platform = get_object_or_404(
        visible.by_slug(slug).for_listing().prefetch_related(None).annotate(**per_status)
    )
    # One statement for capabilities, standards, the nearest dependencies each way and the
    # many-to-many values of the history: each was a query or two of its own.
    related = panels.related_rows(
        platform,
        user,
        dependencies=DEPENDENCIES_SHOWN + 1,
        history_records=HISTORY_ENTRIES + 1,
    )
    panels.prefetched(platform, "capabilities", related.capabilities)
    panels.prefetched(platform, "standards", related.standards)
    status_counts = {
        status: getattr(platform, f"adopters_{status}") for status in Adoption.Status.values
    }

    # The platform is visible to the user, so are all its adoptions: no join on its state.
    adoptions = Adoption.objects.filter(platform=platform).select_related("organisation")
    errors: list[PageError] = []
    statuses = request.GET.getlist("status")
    allowed = dict(Adoption.Status.choices)
    unknown = [s for s in statuses if s not in allowed]
    if unknown:
        errors.append(
            PageError(
                "status", f"“{unknown[0]}” is not an adoption status: choose one from the list."
            )
        )
    elif statuses:
        adoptions = adoptions.filter(status__in=statuses)
    counted = statuses if statuses and not unknown else status_counts
    adopters = _page(
        request,
        adoptions.order_by("organisation__name", "pk"),
        ADOPTERS_PAGE_SIZE,
        errors,
        count=sum(status_counts.get(status, 0) for status in set(counted)),
    )
    for adoption in adopters:
        adoption.platform = platform

    replacement = platform.replaced_by
    if replacement is not None and not rules.can_view_platform(user, replacement):
        replacement = None
    found = search.similar(platform, queryset=visible, limit=SIMILAR_PLATFORMS)
    similar = [
        {"platform": m.platform, "reasons": visible_reasons(m.platform, m.reasons, user)}
        for m in found
    ]
    can_edit = user.is_authenticated and user.is_staff and rules.can_edit_platform(user, platform)
    status_filter = {
        "name": "status",
        "idPrefix": "status",
        "classes": "govuk-checkboxes--small",
        "fieldset": {"legend": {"text": "Adoption status", "classes": "govuk-fieldset__legend--s"}},
        "items": [
            {
                "value": value,
                "text": f"{label} ({status_counts.get(value, 0)})",
                "checked": value in statuses,
            }
            for value, label in Adoption.Status.choices
        ],
        "errorMessage": {"text": errors[0].message} if unknown else None,
    }
    context = {
        "platform": platform,
        "breadcrumbs": [
            {"text": "Home", "href": reverse("web:home")},
            {
                "text": platform.owner.name,
                "href": reverse("web:organisation", args=[platform.owner.slug]),
            },
        ],
        "replacement": replacement,
        "adopters": adopters,
        "adopters_pagination": _pagination(request, adopters),
        "adopter_total": sum(status_counts.values()),
        "status_filter": status_filter,
        # The nearest few each way (GOV.UK Notify has 1,820 direct dependents at national
        # scale): one more is read to know whether to link to the rest.
        "depends_on": related.dependencies["depends_on"],
        "depended_on_by": related.dependencies["platform"],
        "dependencies_shown": DEPENDENCIES_SHOWN,
        "similar": similar,
        "compare_url": _compare_url([platform, *[m.platform for m in found[:2]]]),
        "history": panels.recent_changes(platform, related, entries=HISTORY_ENTRIES),
        "impact_url": _impact_url(platform),
        "edit_url": reverse("admin:platforms_platform_change", args=[platform.pk])
        if can_edit
        else None,
        "api_url": reverse("api:platform-detail", args=[platform.slug]),
        "api_dependencies_url": reverse("api:platform-dependencies", args=[platform.slug]),
        **(_error_context(errors, {"page": "adopters"}) if errors else {}),
    }
    return render(request, "web/platform.html", context, status=400 if errors else 200)


# --- an organisation -----------------------------------------------------------------------


def _profile_for(organisation: Organisation, user) -> dict:
    """The insights profile's counts (kept figures) and "could reuse" (common platforms owned
    elsewhere that meet the needs of this organisation's own platforms), without its lists."""
    from platforms.selectors.profiles import organisation_profile

    return organisation_profile(organisation=organisation, user=user, listed=0)


@require_GET
def organisation_page(request: HttpRequest, slug: str) -> HttpResponse:
    """What an organisation owns and reuses, a page of each at a time, and where it sits among
    government bodies."""
    organisation = get_object_or_404(Organisation.objects.for_listing(), slug=slug)
    # What it owns and what it has in use (an adoption in use, as the API's ``adopted_by``
    # filter), owned by others: a page of each. Their tables show neither capabilities nor
    # standards: no prefetch.
    in_use = (
        Adoption.objects.in_use().filter(organisation=organisation).order_by().values("platform_id")
    )
    listed = (
        Platform.objects.visible_to(request.user)
        .for_listing()
        .prefetch_related(None)
        .order_by(Lower("name"), "slug", "id")
    )
    errors: list[PageError] = []
    # The lists' lengths are the profile's kept counts (the same rule: what it owns, and the
    # others' platforms it has in use, that the reader may see): not counted over 12,000 rows.
    profile = _profile_for(organisation, request.user)
    summary = profile["summary"]
    owns = _page(
        request,
        listed.filter(owner=organisation),
        ORGANISATION_PAGE_SIZE,
        errors,
        "owns_page",
        count=summary["owns"],
    )
    reuses = _page(
        request,
        listed.filter(id__in=in_use).exclude(owner=organisation),
        ORGANISATION_PAGE_SIZE,
        errors,
        "reuses_page",
        count=summary["reuses"],
    )
    context = {
        "organisation": organisation,
        "owns": owns,
        "owns_pagination": _pagination(request, owns, param="owns_page"),
        "reuses": reuses,
        "reuses_pagination": _pagination(request, reuses, param="reuses_page"),
        "children": organisation.children.order_by("name"),
        "could_reuse": profile["could_reuse"],
        "api_url": reverse("api:organisation-detail", args=[organisation.slug]),
        **(_error_context(errors, ORGANISATION_ANCHORS) if errors else {}),
    }
    return render(request, "web/organisation.html", context, status=400 if errors else 200)


# --- a capability --------------------------------------------------------------------------


@require_GET
def capability_page(request: HttpRequest, slug: str) -> HttpResponse:
    """Every platform meeting a need, most reused first, a page at a time, so that duplicates
    show."""
    capability = get_object_or_404(Capability, slug=slug)
    visible = Platform.objects.visible_to(request.user)
    # As the API's ``capability`` filter, with the capability already read.
    meeting = PlatformFilter.filter_capability(visible, "capability", capability)
    errors: list[PageError] = []
    # How many, and how many in beta or live, from the kept figures: not counted over the list.
    phases = capability_phase_counts(capability_id=capability.pk, user=request.user)
    page = _page(
        request,
        meeting.for_listing().prefetch_related(None).order_by("-reuse_count", "name", "slug", "id"),
        CAPABILITY_PAGE_SIZE,
        errors,
        count=sum(phases.values()),
    )
    # The first page holds the most reused: up to three of them still in service to compare.
    in_service = [p for p in page if p.phase not in Platform.RETIREMENT_PHASES]
    context = {
        "capability": capability,
        "platforms": page,
        "pagination": _pagination(request, page),
        "total": page.paginator.count,
        "current_count": phases.get("beta", 0) + phases.get("live", 0),
        "compare_url": _compare_url(in_service) if page.number == 1 else None,
        "search_url": f"{reverse('web:search')}?{urlencode({'capability': slug})}",
        **(_error_context(errors, {"page": "platforms"}) if errors else {}),
    }
    return render(request, "web/capability.html", context, status=400 if errors else 200)


# --- compare -------------------------------------------------------------------------------


def _compare_url(platforms: list[Platform]) -> str | None:
    if len(platforms) < 2:
        return None
    slugs = ",".join(p.slug for p in platforms[:MAX_COMPARED])
    return f"{reverse('web:compare')}?{urlencode({'platforms': slugs})}"


@require_GET
def compare_page(request: HttpRequest) -> HttpResponse:
    """Two or three platforms side by side: ``?platforms=a,b,c`` (or the parameter repeated)."""
    slugs: list[str] = []
    for value in request.GET.getlist("platforms"):
        for slug in value.split(","):
            if slug.strip() and slug.strip() not in slugs:
                slugs.append(slug.strip())
    errors: list[PageError] = []
    platforms: list[Platform] = []
    if request.GET and len(slugs) < 2:
        errors.append(PageError("platforms", "Choose at least two platforms to compare."))
    elif len(slugs) > MAX_COMPARED:
        errors.append(
            PageError("platforms", f"Choose at most {MAX_COMPARED} platforms to compare.")
        )
    elif slugs:
        found = Platform.objects.visible_to(request.user).for_listing().in_bulk_by_slug(slugs)
        missing = [slug for slug in slugs if slug not in found]
        if missing:
            errors.append(
                PageError("platforms", f"There is no platform “{missing[0]}” in the catalogue.")
            )
        else:
            platforms = [found[slug] for slug in slugs]
    context = {
        "platforms": platforms,
        "slugs": ", ".join(slugs),
        **(_error_context(errors) if errors else {}),
    }
    return render(request, "web/compare.html", context, status=400 if errors else 200)


# --- register, data sources, errors --------------------------------------------------------


@require_GET
def register_platform(request: HttpRequest) -> HttpResponse:
    """Editors go to the admin's add form; everyone else signs in first."""
    add_url = reverse("admin:platforms_platform_add")
    user = request.user
    if user.is_authenticated and user.is_staff and (user.is_superuser or rules.roles_of(user)):
        return redirect(add_url)
    return redirect_to_login(add_url, login_url=reverse("admin:login"))


@require_GET
def data_sources(request: HttpRequest) -> HttpResponse:
    return render(request, "web/data_sources.html")


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The 404 page (the API answers its own 404s, in its error shape)."""
    return render(request, "web/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 page: no database, no user, nothing that could fail again."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"status": 500, "code": "server_error", "message": "Server error.", "errors": {}},
            status=500,
        )
    from django.template import loader

    return HttpResponse(loader.get_template("web/500.html").render(), status=500)


__all__ = ["Http404"]
