"""GOV.UK Design System components, rendered by govuk-frontend-django.

govuk-frontend-django (Department for Business and Trade) renders each component with the
govuk-frontend-jinja port of GOV.UK Frontend's own Nunjucks macros, so the markup is the Design
System's, kept in step with the pinned GOV.UK Frontend release, and not a hand-made copy. Its
parameters are the macros' (``text`` is escaped, ``html`` is not: build ``html`` with
``format_html``).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache, lru_cache
from importlib import import_module
from typing import Any

from django.utils.safestring import SafeString, mark_safe
from jinja2 import Environment, PackageLoader, PrefixLoader, Template, select_autoescape


def component_class(name: str) -> type:
    """The dataclass of a component, by its Design System name ("summary-list")."""
    module = import_module(f"govuk_frontend_django.components.{name.replace('-', '_')}")
    return module.COMPONENT


# One Jinja environment per process: the component's own ``render`` builds a new one, and so
# compiles every macro again, each time it renders (a search page at 10,000 platforms spent a
# second of its 1.1 s compiling the same 150 macros). Same loader and escaping as the library's.
_ENVIRONMENT = Environment(
    loader=PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
    autoescape=select_autoescape(),
)


@cache
def _template(source: str) -> Template:
    return _ENVIRONMENT.from_string(source)


def _without_none(data: Any) -> Any:
    """``data`` without the keys whose value is None, at every level, as the library's
    ``GovUKComponent.render`` passes it to the macro."""
    if isinstance(data, list):
        for item in data:
            _without_none(item)
    elif isinstance(data, dict):
        for key, value in list(data.items()):
            if value is None:
                del data[key]
            elif isinstance(value, dict | list):
                _without_none(value)
    return data


def render(name: str, params: Mapping[str, Any] | None = None, **kwargs: Any) -> SafeString:
    """The HTML of one component, from the parameters its Nunjucks macro takes."""
    values = {**(params or {}), **kwargs}
    component = component_class(name)(**values)
    template = _template(component.build_jinja_template())
    html = template.render(data=_without_none(component.__dict__.copy()))
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


@lru_cache(maxsize=256)
def _tag(text: str, classes: str) -> SafeString:
    """A tag's HTML, made once per text and colour: a page of 500 platforms asked the macro
    for the same six phase tags 500 times (about a fifth of the duplication page's time)."""
    return render("tag", text=text, classes=classes)


def phase_tag(phase: str, label: str) -> SafeString:
    return _tag(str(label), PHASE_COLOURS.get(phase, "govuk-tag--grey"))


def status_tag(status: str, label: str) -> SafeString:
    return _tag(str(label), STATUS_COLOURS.get(status, "govuk-tag--grey"))


def error_summary(errors: list[dict[str, str]]) -> SafeString:
    """``errors``: [{"text", "href"}], the href pointing at the field in error."""
    return render("error-summary", titleText="There is a problem", errorList=errors)
