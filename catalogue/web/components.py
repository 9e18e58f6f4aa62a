"""GOV.UK Design System components, rendered by govuk-frontend-django.

govuk-frontend-django (Department for Business and Trade) renders each component with the
govuk-frontend-jinja port of GOV.UK Frontend's own Nunjucks macros, so the markup is the Design
System's, kept in step with the pinned GOV.UK Frontend release, and not a hand-made copy. Its
parameters are the macros' (``text`` is escaped, ``html`` is not: build ``html`` with
``format_html``).
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import import_module
from typing import Any

from django.utils.safestring import SafeString, mark_safe


def component_class(name: str) -> type:
    """The dataclass of a component, by its Design System name ("summary-list")."""
    module = import_module(f"govuk_frontend_django.components.{name.replace('-', '_')}")
    return module.COMPONENT


def render(name: str, params: Mapping[str, Any] | None = None, **kwargs: Any) -> SafeString:
    """The HTML of one component, from the parameters its Nunjucks macro takes."""
    values = {**(params or {}), **kwargs}
    html = component_class(name)(**values).render()
    # Collapse the blank lines the macros leave: pages stay readable in "view source".
    return mark_safe("\n".join(line for line in html.splitlines() if line.strip()))  # noqa: S308


PHASE_COLOURS = {
    "discovery": "govuk-tag--grey",
    "alpha": "govuk-tag--purple",
    "beta": "govuk-tag--light-blue",
    "live": "govuk-tag--green",
    "retiring": "govuk-tag--orange",
    "retired": "govuk-tag--red",
}

STATUS_COLOURS = {
    "exploring": "govuk-tag--grey",
    "planned": "govuk-tag--light-blue",
    "piloting": "govuk-tag--purple",
    "in_use": "govuk-tag--green",
    "stopped": "govuk-tag--red",
}


def phase_tag(phase: str, label: str) -> SafeString:
    return render("tag", text=label, classes=PHASE_COLOURS.get(phase, "govuk-tag--grey"))


def status_tag(status: str, label: str) -> SafeString:
    return render("tag", text=label, classes=STATUS_COLOURS.get(status, "govuk-tag--grey"))


def error_summary(errors: list[dict[str, str]]) -> SafeString:
    """``errors``: [{"text", "href"}], the href pointing at the field in error."""
    return render("error-summary", titleText="There is a problem", errorList=errors)
