"""Finding platforms: ranked search with facets, and the platforms that look like a given one (to
reuse rather than build again). Both read through ``platforms.search`` over the platforms the
requesting user may see, and nothing else."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from drf_spectacular.utils import extend_schema_view
from rest_framework import permissions, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.settings import api_settings

from api import fast, filters, schema, serializers
from api.base import CatalogueViewSetMixin
from api.pagination import RankedPagination, _number
from api.security import SimilarAnonThrottle
from platforms import rules, search
from platforms.models import Platform

MAX_SIMILAR = serializers.MAX_SIMILAR


@extend_schema_view(list=schema.search_docs())
class SearchViewSet(CatalogueViewSetMixin, viewsets.GenericViewSet):
    """Ranked search with facets over the platforms the user may see."""

    serializer_class = serializers.SearchResultSerializer
    filterset_class = filters.PlatformFilter
    pagination_class = RankedPagination
    permission_classes = [permissions.AllowAny]

    def get_queryset(self):
        # Annotated before the filters run: ordering=reuse_count orders by it.
        return Platform.objects.visible_to(self.request.user).with_reuse_counts()

    def filter_queryset(self, queryset):
        # Only q named (the usual search): searched without building the FilterSet.
        found = self.filterset_class.searched_only(queryset, self.request.query_params)
        return super().filter_queryset(queryset) if found is None else found

    def get_renderers(self):
        # JSON only: facets and HTML highlights have no place in a CSV row.
        return [renderer() for renderer in self.renderer_classes]

    def list(self, request, *args, **kwargs):
        matches = self.filter_queryset(self.get_queryset())
        if "score" not in matches.query.annotations:  # no q: everything, unranked (score 0)
            matches = search.search(matches, "")
        if not matches.query.order_by:  # and without an ordering, by name
            matches = matches.order_by("name", "slug", "id")  # a slug can name several rows
        query = filters.search_text(request.query_params.get("q", ""))
        # A ranked page in one statement, highlights included, where it can be (api/fast.py).
        rows = fast.ranked_rows(matches, query, self.get_serializer_class())
        facets = search.facets(matches, reader=request.user)
        if not query:  # browsing: the facets count the list
            self.paginator.known_count = search.counted(facets)
        page = self.paginate_queryset(matches.for_listing() if rows is None else rows)
        if rows is None:
            names = search.highlights(page, query, field="name")
            summaries = search.highlights(page, query, field="summary")
            for platform in page:
                pk = platform.pk
                platform.highlights = {"name": names[pk], "summary": summaries[pk]}
        response = self.get_paginated_response(self.get_serializer(page, many=True).data)
        response.data["count_capped"] = search.count_is_capped(matches)
        response.data["facets"] = facets
        return response


# --- similar platforms -----------------------------------------------------------------------


SIMILAR_THROTTLES = [*api_settings.DEFAULT_THROTTLE_CLASSES, SimilarAnonThrottle]


def similar_limit(request) -> int:
    """The ``limit`` query parameter of the similar endpoints: 1 to ``MAX_SIMILAR``, default 10."""
    limit = _number(request, "limit", minimum=1)
    if limit is not None and limit > MAX_SIMILAR:
        raise ValidationError({"limit": [f"At most {MAX_SIMILAR}."]})
    return limit or 10


def _reasons(platform: Platform, reasons: Iterable[str], user) -> list[str]:
    """The reasons, without naming a replacement the user may not see (another organisation's
    draft can be named as the replacement of a published platform)."""
    replacement = platform.replaced_by
    if replacement is None or rules.can_view_platform(user, replacement):
        return list(reasons)
    hidden = f" — replaced by {replacement.name}"
    return [
        reason.replace(hidden, ", no replacement named") if reason.endswith(hidden) else reason
        for reason in reasons
    ]


def similar_response(draft: Mapping[str, Any] | Platform, request, context: dict) -> Response:
    """The platforms the user may see that look like ``draft``, best first, as listing rows."""
    user = request.user
    found = search.similar(
        draft,
        queryset=Platform.objects.visible_to(user),
        limit=similar_limit(request),
        rows=Platform.objects.for_listing(),
    )
    platforms = []
    for match in found:
        platform = match.platform
        platform.score = match.score
        platform.reasons = _reasons(platform, match.reasons, user)
        platforms.append(platform)
    data = serializers.SimilarPlatformSerializer(platforms, many=True, context=context).data
    return Response({"results": data})
