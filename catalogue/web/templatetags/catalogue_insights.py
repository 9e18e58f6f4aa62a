"""Template tags of the insight pages, whose selectors hand over plain values, not models."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from catalogue.web import components
from platforms.models import Adoption, Platform

register = template.Library()

PHASES = dict(Platform.Phase.choices)
STATUSES = dict(Adoption.Status.choices)


@register.simple_tag
def insight_phase_tag(phase: str) -> SafeString:
    """The phase tag of a platform given by its phase value ("live")."""
    return components.phase_tag(phase, PHASES.get(phase, phase))


@register.simple_tag
def insight_status_tag(status: str | None) -> SafeString | str:
    """The status tag of an adoption given by its status value ("in_use"); nothing for None."""
    if not status:
        return ""
    return components.status_tag(status, STATUSES.get(status, status))
