"""The impact analysis response (``platforms/{slug}/impact/`` and its alias ``dependents/``).

The dependents come a page at a time (``offset``, ``page_size``, with ``count`` and ``next`` /
``previous`` links, as the ranked lists do); the organisations hit as a count plus those hit
hardest. So the answer is bounded in size whatever the graph (GOV.UK Notify has 9,600 dependents
at 100,000 platforms)."""

from __future__ import annotations

from django.conf import settings
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from api import serializers
from api.pagination import _number
from platforms.models import Platform
from platforms.selectors.impact import platform_impact


def _link(request, offset: int, limit: int) -> str:
    url = request.build_absolute_uri()
    url = replace_query_param(url, "page_size", limit)
    if offset <= 0:
        return remove_query_param(url, "offset")
    return replace_query_param(url, "offset", offset)


def impact_response(platform: Platform, request, context: dict) -> Response:
    """What depends on ``platform``, transitively, and who is hit, as the user may see it."""
    limit = _number(request, "page_size", minimum=1)
    limit = settings.API_MAX_PAGE_SIZE if limit is None else min(limit, settings.API_MAX_PAGE_SIZE)
    offset = _number(request, "offset", minimum=0) or 0
    impact = platform_impact(platform=platform, user=request.user)
    count = len(impact.dependents)
    offset = min(offset, count)
    data = {
        "platform": impact.platform,
        "count": count,
        "next": _link(request, offset + limit, limit) if offset + limit < count else None,
        "previous": _link(request, max(offset - limit, 0), limit) if offset > 0 else None,
        "dependents": impact.dependents[offset : offset + limit],
        "organisations_count": impact.organisations_count,
        "organisations_affected": impact.organisations_affected,
        "cycles": impact.cycles,
        "by_depth": impact.by_depth,
        "truncated": impact.truncated,
        "max_depth": impact.max_depth,
    }
    return Response(serializers.ImpactSerializer(data, context=context).data)
