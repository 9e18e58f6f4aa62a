"""The impact analysis response (``platforms/{slug}/impact/`` and its alias ``dependents/``)."""

from __future__ import annotations

from rest_framework.response import Response

from api import serializers
from platforms.models import Platform
from platforms.selectors.impact import platform_impact


def impact_response(platform: Platform, request, context: dict) -> Response:
    """What depends on ``platform``, transitively, and who is hit, as the user may see it."""
    impact = platform_impact(platform=platform, user=request.user)
    return Response(serializers.ImpactSerializer(impact, context=context).data)
