"""The insight pages: where government pays twice, contracts ending, who uses what (a heat map),
each platform's adoption over time, and what breaks for whom if a platform goes away.

Thin, as the other pages: each view checks its input (the GOV.UK error summary for a bad one,
never a 500), calls the selectors of ``platforms.selectors`` that the API calls too, cuts what
they return to a page of bounded size and hands it to a template with its chart's geometry
(``catalogue.web.charts``) and the table behind the chart.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.formats import localize
from django.views.decorators.http import require_GET

from catalogue.web import charts
from catalogue.web.links import slug_urls
from catalogue.web.views import PageError, _error_context, _page, _pagination
from platforms.models import Capability, Organisation, Platform
from platforms.selectors.contracts import (
    DEFAULT_MONTHS,
    MAX_MONTHS,
    PAGE_SIZE,
    contracts_page,
    contracts_summary,
)
from platforms.selectors.duplication import duplicated_capabilities
from platforms.selectors.impact import platform_impact
from platforms.selectors.matrix import adoption_matrix
from platforms.selectors.trend import adoption_trend

HEADLINE_CAPABILITIES = 5
TREND_PLATFORMS = 10
DUPLICATION_PAGE = 10
CONTRACTS_PAGE = PAGE_SIZE
ALTERNATIVES_SHOWN = 3
MATRIX_COLUMNS = 25
KIND_ERROR = "Choose kinds of organisation from the list."
MATRIX_ROWS = 40
IMPACT_GRAPH_NODES = 40
IMPACT_PAGE = 50

STATUS_LABELS = {
    "in_use": "In use",
    "piloting": "Piloting",
    "planned": "Planned",
    "exploring": "Exploring",
    "stopped": "Stopped",
}


def _breadcrumbs(*extra: tuple[str, str]) -> list[dict[str, str]]:
    items = [{"text": "Home", "href": reverse("web:home")}]
    items += [{"text": text, "href": href} for text, href in extra]
    return items


def _insights_crumb() -> tuple[str, str]:
    return ("Insights", reverse("web:insights"))


def _within(request: HttpRequest, errors: list[PageError]) -> int:
    """The ``within`` months of the contracts page: a whole number from 1 to ``MAX_MONTHS``; a bad
    one adds a ``PageError`` and the default window is shown."""
    raw = request.GET.get("within", "").strip()
    if not raw:
        return DEFAULT_MONTHS
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_MONTHS:
        errors.append(
            PageError(
                "within",
                f"Enter the number of months as a whole number from 1 to {MAX_MONTHS}, "
                f"like {DEFAULT_MONTHS}.",
            )
        )
        return DEFAULT_MONTHS
    return int(raw)


def _most_reused(user) -> list[Platform]:
    return list(
        Platform.objects.visible_to(user)
        .exclude(phase=Platform.Phase.RETIRED)
        .for_listing()
        .filter(reuse_count__gt=0)
        .order_by("-reuse_count", "name")[:TREND_PLATFORMS]
    )


def _duplication_chart(capabilities: list[dict[str, Any]]) -> dict:
    return charts.bars(
        [
            {
                "label": c["capability"]["name"],
                "value": c["organisations"],
                "part": c["organisations_on_several"],
            }
            for c in capabilities
        ]
    )


# --- /insights/ ------------------------------------------------------------------------------


@require_GET
def insights(request: HttpRequest) -> HttpResponse:
    """The front page of the insights: a figure and a chart from each, linking to its page."""
    user = request.user
    duplicated = duplicated_capabilities(
        user=user, limit=HEADLINE_CAPABILITIES, with_platforms=False
    )
    contracts = contracts_summary(user=user, within=DEFAULT_MONTHS)
    context = {
        "breadcrumbs": _breadcrumbs(),
        "duplicated": duplicated,
        "duplication_chart": _duplication_chart(duplicated),
        "contracts": contracts,
        "contracts_chart": charts.columns(contracts["by_quarter"], key="contracts"),
        "most_reused": _most_reused(user),
    }
    return render(request, "web/insights.html", context)


# --- /insights/duplication/ ------------------------------------------------------------------


@require_GET
def duplication(request: HttpRequest) -> HttpResponse:
    """Every capability met by two or more platforms in service, most split first, a page at a
    time, each with its platforms, their owners and adopters."""
    errors: list[PageError] = []
    page = _page(request, duplicated_capabilities(user=request.user), DUPLICATION_PAGE, errors)
    context = {
        "breadcrumbs": _breadcrumbs(_insights_crumb()),
        "page": page,
        "pagination": _pagination(request, page),
        "chart": _duplication_chart(list(page)),
        "api_url": reverse("api:insight-duplication"),
        **(_error_context(errors, {"page": "capabilities"}) if errors else {}),
    }
    return render(request, "web/insights_duplication.html", context, status=400 if errors else 200)


# --- /insights/contracts/ --------------------------------------------------------------------


class _ContractsWindow:
    """The contracts ending in a window, read a page at a time: the paginator slices it and
    only that page's contracts (with their first alternatives and their totals) are read."""

    def __init__(self, user, within: int, today) -> None:
        self.user, self.within, self.today = user, within, today

    def __getitem__(self, window: slice) -> list[dict[str, Any]]:
        return contracts_page(
            user=self.user,
            within=self.within,
            today=self.today,
            offset=window.start or 0,
            limit=window.stop - (window.start or 0),
            alternatives=ALTERNATIVES_SHOWN,
        )


@require_GET
def contracts(request: HttpRequest) -> HttpResponse:
    """Supplier contracts ending within ``?within=`` months (18 unless chosen), soonest first,
    with the common platforms that could replace them."""
    errors: list[PageError] = []
    within = _within(request, errors)
    result = contracts_summary(user=request.user, within=within)
    window = _ContractsWindow(request.user, within, result["from"])
    page = _page(request, window, CONTRACTS_PAGE, errors, count=result["count"])
    for entry in page:
        entry["shown_alternatives"] = entry["alternatives"][:ALTERNATIVES_SHOWN]
        entry["more_alternatives"] = entry["alternatives_count"] - len(entry["shown_alternatives"])
    context = {
        "breadcrumbs": _breadcrumbs(_insights_crumb()),
        "result": result,
        "within_value": request.GET.get("within", str(within)),
        "max_months": MAX_MONTHS,
        "page": page,
        "pagination": _pagination(request, page),
        "chart": charts.columns(result["by_quarter"], key="contracts"),
        "api_url": f"{reverse('api:insight-contracts')}?{urlencode({'within': within})}",
        **(_error_context(errors, {"page": "contracts"}) if errors else {}),
    }
    return render(request, "web/insights_contracts.html", context, status=400 if errors else 200)


# --- /insights/matrix/ -----------------------------------------------------------------------


class MatrixFilter(forms.Form):
    """The matrix's filters, as the API's: a capability, organisation kinds, a parent body."""

    capability = forms.SlugField(required=False)
    kind = forms.MultipleChoiceField(required=False, choices=Organisation.Kind.choices)
    parent = forms.SlugField(required=False)

    @staticmethod
    def _found(model: type, slug: str, refusal: str) -> Any:
        """The record with this slug (None for no slug); a slug nobody uses is refused."""
        if not slug:
            return None
        found = model.objects.filter(slug=slug).first()
        if found is None:
            raise forms.ValidationError(refusal.format(slug=slug))
        return found

    def clean_capability(self) -> Capability | None:
        return self._found(
            Capability,
            self.cleaned_data["capability"],
            "There is no capability “{slug}”: choose one from the list.",
        )

    def clean_parent(self) -> Organisation | None:
        return self._found(
            Organisation,
            self.cleaned_data["parent"],
            "There is no organisation “{slug}”: choose a parent body from the list.",
        )


def _matrix_filters(request: HttpRequest, form: MatrixFilter) -> list[dict[str, Any]]:
    """The GOV.UK select and checkboxes of the matrix's filters, with what was chosen."""
    messages = {name: " ".join(errors) for name, errors in form.errors.items()}
    if "kind" in messages:
        messages["kind"] = KIND_ERROR
    chosen_capability = request.GET.get("capability", "")
    chosen_parent = request.GET.get("parent", "")
    chosen_kinds = request.GET.getlist("kind")
    parents = (
        Organisation.objects.annotate(bodies=Count("children"))
        .filter(Q(bodies__gt=0) | Q(slug=chosen_parent))
        .order_by("name")
        .values_list("slug", "name")
    )

    def error(name: str) -> dict | None:
        return {"text": messages[name]} if name in messages else None

    return [
        {
            "component": "select",
            "params": {
                "id": "capability",
                "name": "capability",
                "label": {"text": "Capability", "classes": "govuk-label--s"},
                "items": [{"value": "", "text": "Any capability"}]
                + [
                    {"value": slug, "text": name, "selected": slug == chosen_capability}
                    for slug, name in Capability.objects.order_by("name").values_list(
                        "slug", "name"
                    )
                ],
                "errorMessage": error("capability"),
            },
        },
        {
            "component": "select",
            "params": {
                "id": "parent",
                "name": "parent",
                "label": {"text": "Part of", "classes": "govuk-label--s"},
                "hint": {"text": "The body and every body beneath it"},
                "items": [{"value": "", "text": "Any organisation"}]
                + [
                    {"value": slug, "text": name, "selected": slug == chosen_parent}
                    for slug, name in parents
                ],
                "errorMessage": error("parent"),
            },
        },
        {
            "component": "checkboxes",
            "params": {
                "name": "kind",
                "idPrefix": "kind",
                "classes": "govuk-checkboxes--small",
                "fieldset": {
                    "legend": {
                        "text": "Kind of organisation",
                        "classes": "govuk-fieldset__legend--s",
                    }
                },
                "items": [
                    {"value": value, "text": label, "checked": value in chosen_kinds}
                    for value, label in Organisation.Kind.choices
                ],
                "errorMessage": error("kind"),
            },
        },
    ]


class _Rows:
    """One page of the matrix's rows as the paginator sees the whole list: its length is every
    row, and the page's slice is the rows the selector fetched."""

    def __init__(self, result: dict[str, Any]) -> None:
        self.rows = result["organisations"]
        self.total = result["organisations_count"]

    def __len__(self) -> int:
        return self.total

    def __getitem__(self, index: slice) -> list[dict[str, Any]]:
        return self.rows


@require_GET
def matrix(request: HttpRequest) -> HttpResponse:
    """The organisation x platform adoption matrix as a heat map: the ``MATRIX_COLUMNS``
    platforms with most organisations (of those the filters keep) as columns, and the
    organisations using them as rows, ``MATRIX_ROWS`` a page. The whole matrix is the API's CSV."""
    form = MatrixFilter(request.GET)
    errors: list[PageError] = []
    filters: dict[str, Any] = {}
    if form.is_valid():
        data = form.cleaned_data
        filters = {
            "capabilities": [data["capability"]] if data["capability"] else [],
            "kinds": data["kind"],
            "parent": data["parent"],
        }
    else:
        errors = [
            PageError(name, KIND_ERROR if name == "kind" else str(msgs[0]))
            for name, msgs in form.errors.items()
        ]
    # The selector returns the columns and one page of rows; the paginator is told the total.
    raw = request.GET.get("page", "1").strip()
    wanted = int(raw) if raw.isdigit() and int(raw) >= 1 else 1

    def fetch_page(number: int) -> dict[str, Any]:
        offset = (number - 1) * MATRIX_ROWS
        return adoption_matrix(
            user=request.user, columns=MATRIX_COLUMNS, rows=MATRIX_ROWS, offset=offset, **filters
        )

    result = fetch_page(wanted)
    page = _page(request, _Rows(result), MATRIX_ROWS, errors)
    if page.number != wanted:  # a page number that is not one: the first page, said so
        result = fetch_page(page.number)
        page = _page(request, _Rows(result), MATRIX_ROWS, [])
    shown = sorted(result["platforms"], key=lambda p: (-p["organisations"], p["platform"]["name"]))
    cells = {(c["organisation"], c["platform"]): c["status"] for c in result["cells"]}
    rows = list(page)
    for row in rows:
        row["statuses"] = [
            STATUS_LABELS.get(cells.get((row["organisation"]["slug"], p["platform"]["slug"])), "")
            for p in shown
        ]
    api_params = [
        (key, value)
        for key in ("capability", "kind", "parent")
        for value in request.GET.getlist(key)
        if not errors
    ]
    api_url = reverse("api:insight-matrix")
    context = {
        "breadcrumbs": _breadcrumbs(_insights_crumb()),
        "filters": _matrix_filters(request, form),
        "platform_total": result["platforms_used"],
        "columns": shown,
        "page": page,
        "rows": rows,
        "pagination": _pagination(request, page),
        "chart": charts.heatmap(shown, rows, cells),
        "legend": [
            {"label": STATUS_LABELS[s], "fill": f, "x": n * 92, "text_x": n * 92 + 20}
            for n, (s, f) in enumerate(charts.STATUS_FILLS.items())
        ],
        "csv_url": f"{api_url}?{urlencode([*api_params, ('format', 'csv')])}",
        "api_url": f"{api_url}?{urlencode(api_params)}" if api_params else api_url,
        "filtered": bool(filters and any(filters.values())),
        "kinds_chosen": len(request.GET.getlist("kind")),
        "kinds_open": bool(request.GET.getlist("kind")) or "kind" in form.errors,
        **(_error_context(errors, {"page": "matrix", "kind": "kind"}) if errors else {}),
    }
    return render(request, "web/insights_matrix.html", context, status=400 if errors else 200)


# --- /insights/platforms/{slug}/trend/ --------------------------------------------------------


@require_GET
def trend(request: HttpRequest, slug: str) -> HttpResponse:
    """A platform's adopters in use, quarter by quarter, with those who started and stopped."""
    platform = get_object_or_404(
        Platform.objects.visible_to(request.user).by_slug(slug).select_related("owner")
    )
    result = adoption_trend(platform=platform, user=request.user)
    context = {
        "breadcrumbs": _breadcrumbs(
            _insights_crumb(), (platform.name, reverse("web:platform", args=[platform.slug]))
        ),
        "platform": platform,
        "result": result,
        "latest": result["series"][-1] if result["series"] else None,
        "chart": charts.columns(result["series"], key="started", line="in_use"),
        "api_url": reverse("api:insight-trend", args=[platform.slug]),
    }
    return render(request, "web/insights_trend.html", context)


# --- /platforms/{slug}/impact/ ---------------------------------------------------------------


def shown_count(number: int) -> str:
    """A whole number as ``{{ number }}`` shows it in a template. Without a thousands separator
    (``USE_THOUSAND_SEPARATOR``, off here) that is its digits in every language, made without
    the look-ups of the locale's formats that ``localize()`` does for each number (150 a page)."""
    return localize(number) if settings.USE_THOUSAND_SEPARATOR else str(number)


@require_GET
def impact(request: HttpRequest, slug: str) -> HttpResponse:
    """What depends on a platform, directly or through others, and the organisations that own or
    use any of them: the graph (its nearest ``IMPACT_GRAPH_NODES`` platforms), the paths and the
    cycles met, the dependents a page at a time (only that page's platforms are loaded), the
    organisations hit hardest with the count of all."""
    user = request.user
    platform = get_object_or_404(
        Platform.objects.visible_to(user).by_slug(slug).select_related("owner")
    )
    result = platform_impact(platform=platform, user=user)
    errors: list[PageError] = []
    dependents = _page(request, result.dependents, IMPACT_PAGE, errors, param="page")
    organisations = _page(
        request, result.organisations_affected, IMPACT_PAGE, errors, param="organisations_page"
    )
    drawn = result.dependents[:IMPACT_GRAPH_NODES]
    drawn_slugs = {d.platform.slug for d in drawn} | {platform.slug}
    in_cycles = {(cycle[n], cycle[n + 1]) for cycle in result.cycles for n in range(len(cycle) - 1)}
    edges = [
        (dependency, d.platform.slug, (dependency, d.platform.slug) in in_cycles)
        for d in drawn
        for dependency in d.depends_on
        if dependency in drawn_slugs
    ]
    names = result.names

    def named(slugs: list[str]) -> list[str]:
        return [names.get(slug, slug) for slug in slugs]

    def listed(slugs: list[str], count: int) -> str:
        shown = ", ".join(named(slugs)) or "–"
        more = count - len(slugs)
        return f"{shown} and {shown_count(more)} more" if more > 0 else shown

    # Each cell's text and link made here, not per row in the template: 151 ``{% url %}``, 250
    # ``join`` and 100 ``{% if %}`` were half of the HTML's time. The links come from one
    # reversed pattern each (the same URLs as ``reverse()``).
    platform_url = slug_urls("web:platform")
    organisation_url = slug_urls("web:organisation")
    dependent_rows = [
        {
            "name": d.platform.name,
            "href": platform_url(d.platform.slug),
            "owner": d.platform.owner.name,
            "owner_href": organisation_url(d.platform.owner.slug),
            "depth": shown_count(d.depth),
            "path": " → ".join(named(d.path)),
            "depends_on": ", ".join(named(d.depends_on)),
        }
        for d in dependents
    ]
    organisation_rows = [
        {
            "name": a.organisation.name,
            "href": organisation_url(a.organisation.slug),
            "owns": listed(a.owns, a.owns_count),
            "uses": listed(a.uses, a.uses_count),
        }
        for a in organisations
    ]
    context = {
        "breadcrumbs": _breadcrumbs((platform.name, reverse("web:platform", args=[platform.slug]))),
        "platform": platform,
        "impact": result,
        "dependents": dependents,
        "dependent_rows": dependent_rows,
        "organisation_rows": organisation_rows,
        "dependents_pagination": _pagination(request, dependents, "page"),
        "organisations": organisations,
        "organisations_pagination": _pagination(request, organisations, "organisations_page"),
        "cycles": [[names.get(slug, slug) for slug in cycle] for cycle in result.cycles],
        "graph": charts.graph(
            {"slug": platform.slug, "name": platform.name},
            [{"slug": d.platform.slug, "name": d.platform.name, "depth": d.depth} for d in drawn],
            edges,
        )
        if drawn
        else None,
        "graph_cut": len(result.dependents) > len(drawn),
        "graph_nodes": IMPACT_GRAPH_NODES,
        "api_url": reverse("api:insight-impact", args=[platform.slug]),
        **(
            _error_context(errors, {"page": "dependents", "organisations_page": "organisations"})
            if errors
            else {}
        ),
    }
    return render(request, "web/impact.html", context, status=400 if errors else 200)
