"""Reuse insights under /api/v1/insights/: thin views over ``platforms.selectors``.

Each view checks its input (404 for a slug the user cannot see, 400 in the one error shape for a
bad parameter, listing what is allowed), calls one selector and serialises what it returns
(``api.insights_serializers``); the OpenAPI documentation is in ``api.insights_docs``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.urls import path, re_path
from rest_framework import permissions
from rest_framework.exceptions import ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from api import insights_docs as docs
from api.base import CatalogueViewSetMixin
from api.impact import _link, impact_response
from api.insights_serializers import (
    ContractsResponseSerializer,
    DuplicationSerializer,
    MatrixSerializer,
    ProfileSerializer,
    TrendSerializer,
)
from api.pagination import _number
from api.renderers import CSVRenderer
from platforms.models import Capability, Organisation, Platform
from platforms.selectors.contracts import (
    DEFAULT_MONTHS,
    MAX_MONTHS,
    MAX_PAGE_SIZE,
    PAGE_SIZE,
    contracts_ending,
)
from platforms.selectors.duplication import duplicated_capabilities
from platforms.selectors.matrix import COLUMNS as MATRIX_COLUMNS
from platforms.selectors.matrix import adoption_matrix
from platforms.selectors.profiles import organisation_profile
from platforms.selectors.trend import adoption_trend

# --- parameters ------------------------------------------------------------------------------


def _values(request, name: str) -> list[str]:
    """A filter's values (``?kind=a&kind=b`` or ``?kind=a,b``); a named but empty one is a 400."""
    raw = request.query_params.getlist(name)
    values = [part.strip() for value in raw for part in value.split(",")]
    if raw and not all(values):
        raise ValidationError({name: ["Give a value, or leave the parameter out."]})
    return list(dict.fromkeys(values))


def _not_allowed(name: str, unknown: list[str], allowed: list[str]) -> ValidationError:
    listed = ", ".join(allowed)
    return ValidationError(
        {name: [f"“{value}” is not one of the allowed values: {listed}." for value in unknown]}
    )


def within_months(request) -> int:
    """The ``within`` parameter: whole months from 0 to ``MAX_MONTHS``, default 18."""
    values = request.query_params.getlist("within")
    if not values:
        return DEFAULT_MONTHS
    text = values[-1].strip()
    if len(values) > 1 or not text.isdigit() or int(text) > MAX_MONTHS:
        raise ValidationError(
            {"within": [f"Send one whole number of months from 0 to {MAX_MONTHS}, e.g. 18."]}
        )
    return int(text)


# --- views -----------------------------------------------------------------------------------


class InsightView(CatalogueViewSetMixin, APIView):
    """Read-only, open to everyone; what each reader sees follows the visibility rules."""

    permission_classes = [permissions.AllowAny]

    def context(self) -> dict[str, Any]:
        return {"request": self.request}


INSIGHTS = (
    ("duplication", "api:insight-duplication", None),
    ("organisation_profile", "api:insight-profile", "organisation"),
    ("platform_impact", "api:insight-impact", "platform"),
    ("contracts", "api:insight-contracts", None),
    ("matrix", "api:insight-matrix", None),
    ("platform_trend", "api:insight-trend", "platform"),
)


class InsightsIndexView(InsightView):
    @docs.index
    def get(self, request):
        insights = []
        for name, view_name, slug_of in INSIGHTS:
            kwargs = {"slug": "SLUG"} if slug_of else {}
            url = reverse(view_name, kwargs=kwargs, request=request).replace("SLUG", "{slug}")
            insights.append({"name": name, "description": docs.DESCRIPTIONS[name], "url": url})
        return Response({"results": insights})


class DuplicationView(InsightView):
    @docs.duplication
    def get(self, request):
        results = duplicated_capabilities(user=request.user)
        data = DuplicationSerializer(results, many=True, context=self.context()).data
        return Response({"count": len(results), "results": data})


class ProfileView(InsightView):
    @docs.profile
    def get(self, request, slug):
        organisation = get_object_or_404(Organisation.objects.select_related("parent"), slug=slug)
        profile = organisation_profile(organisation=organisation, user=request.user)
        profile["links"] = {
            "owns": reverse("api:platform-list", request=request)
            + "?"
            + urlencode({"owner": organisation.slug}),
            "adoptions": reverse(
                "api:organisation-adoptions", args=[organisation.slug], request=request
            ),
        }
        return Response(ProfileSerializer(profile, context=self.context()).data)


def _visible_platform(request, slug: str) -> Platform:
    queryset = Platform.objects.visible_to(request.user).by_slug(slug).select_related("owner")
    return get_object_or_404(queryset)


class ImpactView(InsightView):
    @docs.impact
    def get(self, request, slug):
        return impact_response(_visible_platform(request, slug), request, self.context())


class ContractsView(InsightView):
    @docs.contracts
    def get(self, request):
        within = within_months(request)
        limit = min(_number(request, "page_size", minimum=1) or PAGE_SIZE, MAX_PAGE_SIZE)
        offset = _number(request, "offset", minimum=0) or 0
        result = contracts_ending(user=request.user, within=within, offset=offset, limit=limit)
        count = result["count"]
        result["next"] = _link(request, offset + limit, limit) if offset + limit < count else None
        result["previous"] = _link(request, max(offset - limit, 0), limit) if offset else None
        return Response(ContractsResponseSerializer(result, context=self.context()).data)


class MatrixView(InsightView):
    def get_renderers(self):
        return [*super().get_renderers(), CSVRenderer()]

    def filters(self, request) -> dict[str, Any]:
        capabilities = _values(request, "capability")
        kinds = _values(request, "kind")
        parents = _values(request, "parent")
        found: dict[str, Any] = {"capabilities": [], "kinds": kinds, "parent": None}
        if capabilities:
            known = {c.slug: c for c in Capability.objects.order_by("slug")}
            unknown = [slug for slug in capabilities if slug not in known]
            if unknown:
                raise _not_allowed("capability", unknown, list(known))
            found["capabilities"] = [known[slug] for slug in capabilities]
        unknown = [kind for kind in kinds if kind not in Organisation.Kind.values]
        if unknown:
            raise _not_allowed("kind", unknown, Organisation.Kind.values)
        if len(parents) > 1:
            raise ValidationError({"parent": ["Give one organisation's slug."]})
        if parents:
            parent = Organisation.objects.filter(slug=parents[0]).first()
            if parent is None:
                raise ValidationError(
                    {"parent": [f"There is no organisation with the slug “{parents[0]}”."]}
                )
            found["parent"] = parent
        return found

    @docs.matrix
    def get(self, request):
        filters = self.filters(request)
        most = settings.API_MAX_PAGE_SIZE
        columns = min(_number(request, "columns", minimum=1) or MATRIX_COLUMNS, most)
        limit = min(_number(request, "page_size", minimum=1) or most, most)
        offset = _number(request, "offset", minimum=0) or 0
        matrix = adoption_matrix(
            user=request.user, columns=columns, rows=limit, offset=offset, **filters
        )
        count = matrix["organisations_count"]
        matrix["next"] = _link(request, offset + limit, limit) if offset + limit < count else None
        matrix["previous"] = _link(request, max(offset - limit, 0), limit) if offset else None
        if isinstance(request.accepted_renderer, CSVRenderer):
            return Response(_matrix_rows(matrix))
        return Response(MatrixSerializer(matrix, context=self.context()).data)


def _matrix_rows(matrix: dict[str, Any]) -> list[dict[str, Any]]:
    """One CSV row per organisation, one column per platform holding the cell's status."""
    columns = [p["platform"]["slug"] for p in matrix["platforms"]]
    cells: dict[str, dict[str, str]] = {}
    for cell in matrix["cells"]:
        cells.setdefault(cell["organisation"], {})[cell["platform"]] = cell["status"]
    rows = []
    for row in matrix["organisations"]:
        slug = row["organisation"]["slug"]
        statuses = cells.get(slug, {})
        rows.append(
            {
                "organisation": slug,
                "name": row["organisation"]["name"],
                "kind": row["kind"],
                "parent": row["parent"]["slug"] if row["parent"] else "",
                **{column: statuses.get(column, "") for column in columns},
            }
        )
    return rows


class TrendView(InsightView):
    @docs.trend
    def get(self, request, slug):
        trend = adoption_trend(platform=_visible_platform(request, slug), user=request.user)
        return Response(TrendSerializer(trend, context=self.context()).data)


# Any text as a slug (not Django's slug converter): a path that is no slug is then a 404 in the
# error shape, like a slug nobody uses, rather than Django's HTML page.
SLUG = r"(?P<slug>[^/]+)"

urlpatterns = [
    path("", InsightsIndexView.as_view(), name="insights"),
    path("duplication/", DuplicationView.as_view(), name="insight-duplication"),
    re_path(rf"^organisations/{SLUG}/profile/\Z", ProfileView.as_view(), name="insight-profile"),
    re_path(rf"^platforms/{SLUG}/impact/\Z", ImpactView.as_view(), name="insight-impact"),
    path("contracts/", ContractsView.as_view(), name="insight-contracts"),
    path("matrix/", MatrixView.as_view(), name="insight-matrix"),
    re_path(rf"^platforms/{SLUG}/trend/\Z", TrendView.as_view(), name="insight-trend"),
]
