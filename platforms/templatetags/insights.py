"""``{% insights_dashboard as figures %}``: the admin index's headline figures, from the selectors,
so the admin site needs no view of its own (the admin module only points at the template)."""

from __future__ import annotations

from django import template

from platforms.selectors.dashboard import headline_figures

register = template.Library()


@register.simple_tag(takes_context=True)
def insights_dashboard(context) -> dict | None:
    """The headline figures for the signed-in user, or None without a request (e.g. a test
    rendering the template on its own)."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return None
    return headline_figures(user=request.user)
