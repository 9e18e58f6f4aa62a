"""Template tags of the public pages."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from catalogue.web import components, links

register = template.Library()


@register.simple_tag
def govuk(name: str, params: dict[str, Any] | None = None, **kwargs: Any) -> SafeString:
    """Any GOV.UK component: ``{% govuk "tag" text=label classes="govuk-tag--green" %}``, or with
    the parameters built in the view: ``{% govuk "checkboxes" facet.params %}``."""
    return components.render(name, params, **kwargs)


@register.simple_tag
def slug_url(viewname: str, slug: str) -> str:
    """``{% url viewname slug %}`` for a view whose only argument is a slug, without a
    ``reverse()`` per row (``links.slug_url``): ``{% slug_url 'web:platform' p.slug %}``."""
    return links.slug_url(viewname, slug)


@register.simple_tag
def phase_tag(platform) -> SafeString:
    return components.phase_tag(platform.phase, platform.get_phase_display())


@register.simple_tag
def status_tag(adoption) -> SafeString:
    return components.status_tag(adoption.status, adoption.get_status_display())


@register.simple_tag(takes_context=True)
def query_with(context, **changes: Any) -> str:
    """The current query string with some parameters replaced (``None`` removes one)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        params.pop(key, None)
        if value is not None:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


NAVIGATION = [
    ("web:search", "Search"),
    ("web:compare", "Compare"),
    ("web:insights", "Insights"),
    ("web:register", "Register a platform"),
    ("api:docs", "API"),
]


@register.simple_tag(takes_context=True)
def service_navigation(context) -> SafeString:
    """The service's name and its sections, the current one marked."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    current = f"{match.namespace}:{match.url_name}" if match else ""
    items = [
        {"href": reverse(name), "text": text, "active": name == current}
        for name, text in NAVIGATION
    ]
    return components.render(
        "service-navigation",
        serviceName="Cross-government platform catalogue",
        serviceUrl=reverse("web:home"),
        navigation=items,
    )


@register.simple_tag
def phase_banner() -> SafeString:
    return components.render(
        "phase-banner",
        tag={"text": "Beta"},
        html=format_html(
            "This is a new service. The catalogue holds what departments and public sources say: "
            '<a class="govuk-link" href="{}">where the data comes from</a>.',
            reverse("web:data-sources"),
        ),
    )


@register.simple_tag
def site_footer() -> SafeString:
    """The GOV.UK footer: the Open Government Licence, Crown copyright, and the data's sources."""
    return components.render(
        "footer",
        meta={
            "visuallyHiddenTitle": "Support links",
            "items": [
                {"href": reverse("web:data-sources"), "text": "Data sources and licences"},
                {"href": reverse("api:docs"), "text": "API"},
                {"href": reverse("admin:index"), "text": "Sign in to register or edit"},
            ],
            "text": "No analytics, and no cookies unless you sign in.",
        },
    )


@register.filter
def words(name: str) -> str:
    """A field name as words: ``contract_end_date`` -> "contract end date"."""
    return str(name).replace("_", " ")
