"""Read representations without DRF's per-row machinery, and exactly DRF's output.

A page of 50 platforms went through about 10,000 field calls, 1,150 ``reverse()`` calls (every
hyperlink of every row, nested ones included), a related manager built per row for each
prefetched many-to-many, and a ModelSerializer that rebuilt its fields from the model on every
request. Here each serializer class is compiled once into a plan (per field: how to read the
attribute, how to represent it), and each hyperlink is the one URL resolved per request with the
row's slug or id put in its place.

The plan uses DRF's own field objects for every conversion that is not the identity (dates, times,
choices, lists), so the JSON is the same byte for byte; ``tests/scale/test_api_representation.py``
compares both on every read serializer. A field the plan does not know makes the whole class fall
back to DRF, never a different output.
"""

from __future__ import annotations

import contextvars
import datetime
import functools
import inspect
import re
import types
from collections.abc import Mapping
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db.models.manager import BaseManager
from django.urls import get_script_prefix, get_urlconf
from django.urls import reverse as django_reverse
from django.urls.resolvers import RFC3986_SUBDELIMS
from django.utils import timezone
from django.utils.translation import get_language
from rest_framework import ISO_8601, relations, serializers
from rest_framework import fields as drf_fields
from rest_framework.reverse import preserve_builtin_query_params, reverse
from rest_framework.settings import api_settings

# A lookup value that fits every route's pattern and appears nowhere else in a URL.
_MARKER = "918273645546372819"
_URL_SAFE = RFC3986_SUBDELIMS + "/~:@"
_CALLABLE_TYPES = (types.FunctionType, types.MethodType, functools.partial)
# A lookup value ``quote`` leaves as it is (every slug and id): not quoted again.
_PLAIN = re.compile(r"[A-Za-z0-9_.~-]+").fullmatch
# The context's key for the reader's time zone, looked up once per representation.
_ZONE = object()
_UNSET = object()


class _Unsupported(Exception):
    """A field the plan cannot represent exactly: the class keeps DRF's representation."""


# --- hyperlinks ------------------------------------------------------------------------------


@functools.lru_cache(maxsize=512)
def _path_template(view_name, kwarg, format, prefix, urlconf, root, language) -> str:
    """Django's ``reverse`` of ``view_name`` with the marker as its lookup, as DRF's ``_reverse``
    asks it: the same for every request with this script prefix, URLconf and language (all in the
    key), so resolved once per process rather than once per request."""
    kwargs = {kwarg: _MARKER}
    if format is not None:
        kwargs["format"] = format
    return django_reverse(view_name, kwargs=kwargs, urlconf=urlconf)


def _link_template(context: dict, view_name: str, kwarg: str, format: str | None):
    """The URL of ``view_name`` for this request, split around the lookup value: found once per
    request as DRF's ``reverse`` finds it (the route's path, made absolute by the request, then
    ``?format=`` kept), then filled in per row."""
    request = context["request"]
    cache = getattr(request, "_catalogue_link_templates", None)
    if cache is None:
        cache = {}
        request._catalogue_link_templates = cache
    key = (view_name, kwarg, format)
    template = cache.get(key)
    if template is None:
        path = _path_template(
            view_name,
            kwarg,
            format,
            get_script_prefix(),
            get_urlconf(),
            settings.ROOT_URLCONF,
            get_language(),
        )
        url = preserve_builtin_query_params(request.build_absolute_uri(path), request)
        prefix, marker, suffix = url.rpartition(_MARKER)
        template = cache[key] = (prefix, suffix) if marker else None
    return template


def _hyperlink(field: relations.HyperlinkedIdentityField):
    if (
        type(field).get_url is not relations.HyperlinkedRelatedField.get_url
        or type(field).to_representation is not relations.HyperlinkedRelatedField.to_representation
        or field.reverse is not reverse
    ):
        raise _Unsupported(field)
    view_name, lookup_field, kwarg = field.view_name, field.lookup_field, field.lookup_url_kwarg
    field_format = field.format

    key = object()  # this field's URL template in a representation's context

    def template_for(context):
        request = context.get("request")
        if request is None or getattr(request, "versioning_scheme", None) is not None:
            return None  # DRF's own path (and its errors)
        fmt = context.get("format")
        if fmt and field_format and field_format != fmt:
            fmt = field_format
        return _link_template(context, view_name, kwarg, fmt)

    def represent(obj, context):
        # The template is the request's: found once per representation, not once per row.
        template = context.get(key, _UNSET)
        if template is _UNSET:
            template = context[key] = template_for(context)
        if template is None:
            return field.to_representation(obj)
        if type(obj) is dict:  # a row read as values (api/rows.py)
            lookup = obj[lookup_field]
        else:
            if hasattr(obj, "pk") and obj.pk in (None, ""):
                return None
            lookup = getattr(obj, lookup_field)
        value = str(lookup)
        if not _PLAIN(value):
            value = quote(value, safe=_URL_SAFE)
        return relations.Hyperlink(f"{template[0]}{value}{template[1]}", obj)

    return represent


# --- attributes ------------------------------------------------------------------------------


def _getter(source_attrs: list[str]):
    """DRF's ``get_attribute`` for a read: dict keys or attributes, a missing related row as
    None, a plain method called."""
    if not source_attrs:
        return lambda obj: obj
    if len(source_attrs) > 1:
        return lambda obj: drf_fields.get_attribute(obj, source_attrs)
    (attr,) = source_attrs

    def get(obj):
        try:
            # A plain dict first (the rows of api/rows.py): the Mapping check is an ABC's.
            if type(obj) is dict or isinstance(obj, Mapping):
                value = obj[attr]
            else:
                value = getattr(obj, attr)
        except ObjectDoesNotExist:
            return None
        if type(value) in _CALLABLE_TYPES:
            return drf_fields.get_attribute(obj, source_attrs)
        return value

    return get


def _prefetched_getter(source_attrs: list[str]):
    """The rows of a to-many relation: the prefetched list when there is one (no related manager
    is built for it), else what DRF would iterate."""
    get = _getter(source_attrs)
    name = source_attrs[0] if len(source_attrs) == 1 else None

    def rows(obj):
        if name is not None:
            cached = getattr(obj, "_prefetched_objects_cache", None)
            if cached and name in cached:
                return cached[name]
        value = get(obj)
        if isinstance(value, BaseManager):
            return value.all()
        return value

    return rows


# --- conversions -----------------------------------------------------------------------------


def _converter(field: serializers.Field):
    """``field.to_representation``, skipped where it is the identity for the value at hand."""
    method = type(field).to_representation
    convert = field.to_representation
    if method is serializers.CharField.to_representation:
        return lambda value: value if type(value) is str else convert(value)
    if method is serializers.IntegerField.to_representation:
        return lambda value: value if type(value) is int else convert(value)
    if method is serializers.BooleanField.to_representation:
        return lambda value: value if type(value) is bool else convert(value)
    return convert


def _local_iso_datetime(field: serializers.Field) -> bool:
    """Whether ``field`` is DRF's date-time in ISO 8601, in the current time zone."""
    return (
        type(field) is serializers.DateTimeField
        and settings.USE_TZ
        and not hasattr(field, "timezone")
        and str(getattr(field, "format", api_settings.DATETIME_FORMAT)).lower() == ISO_8601
    )


def _datetime_representation(convert):
    """DRF's ``DateTimeField.to_representation`` for an aware date-time, with the current time
    zone read once per representation (DRF reads it for every value) rather than per value."""

    def represent(value, context):
        if type(value) is not datetime.datetime or value.utcoffset() is None:
            return convert(value)
        zone = context.get(_ZONE)
        if zone is None:
            zone = context[_ZONE] = timezone.get_current_timezone()
        try:
            text = value.astimezone(zone).isoformat()
        except OverflowError:
            return convert(value)  # DRF's error
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return represent


# --- the plan --------------------------------------------------------------------------------


def _nested_plan(serializer):
    """The runner of a serializer used inside another: its own plan's, if it has one that does
    not call methods of its serializer (a nested plan runs with the outer serializer's context)."""
    if not isinstance(serializer, FastRepresentationMixin):
        raise _Unsupported(serializer)
    cls = type(serializer)
    plan = cls.compiled_plan()
    if plan is None or cls.__dict__.get("_plan_calls_methods"):
        raise _Unsupported(serializer)
    return cls.__dict__["_compiled_runner"]


def _plan_for(field: serializers.Field, owner: type) -> tuple:
    """(read, represent) for one field of ``owner``, or _Unsupported."""
    if isinstance(field, relations.HyperlinkedIdentityField):
        return (lambda obj: obj), _hyperlink(field)
    if isinstance(field, serializers.SerializerMethodField):
        method_name = field.method_name
        owner._plan_calls_methods = True

        def method(obj, context):
            return getattr(context["serializer"], method_name)(obj)

        return (lambda obj: obj), method
    if isinstance(field, serializers.ListSerializer):
        if type(field).to_representation is not serializers.ListSerializer.to_representation:
            raise _Unsupported(field)
        child_run = _nested_plan(field.child)

        def many(rows, context):
            return [child_run(row, context) for row in rows]

        return _prefetched_getter(field.source_attrs), many
    if isinstance(field, FastRepresentationMixin):
        child_run = _nested_plan(field)
        cls = type(field)
        overrides = inspect.getattr_static(cls, "get_attribute") is not (
            inspect.getattr_static(serializers.Field, "get_attribute")
        )
        if overrides and cls.fast_attribute is FastRepresentationMixin.fast_attribute:
            raise _Unsupported(field)  # its get_attribute does something the plan would skip
        attribute = field.fast_attribute

        def nested(value, context):
            value = attribute(value, context)
            return None if value is None else child_run(value, context)

        return _getter(field.source_attrs), nested
    if isinstance(
        field, serializers.BaseSerializer | relations.RelatedField | relations.ManyRelatedField
    ):
        raise _Unsupported(field)  # a serializer or relation DRF alone knows how to render
    if type(field).get_attribute is not serializers.Field.get_attribute:
        raise _Unsupported(field)
    convert = _converter(field)
    if _local_iso_datetime(field):
        return _getter(field.source_attrs), _datetime_representation(convert)
    return _getter(field.source_attrs), (lambda value, context: convert(value))


_MISSING = object()


def _run(plan, instance, context: dict) -> dict[str, Any]:
    """DRF's ``Serializer.to_representation`` over a compiled plan: None stays None, unasked.
    A row read as values (a dict) has its plain values (a text of a text field, a whole number
    of an integer field...) taken as they are, without a call per field."""
    out = {}
    if type(instance) is dict:
        for name, read, represent, key, plain in plan:
            if plain is not None:
                value = instance.get(key, _MISSING)
                if value is None:
                    out[name] = None
                    continue
                if type(value) is plain:
                    out[name] = value
                    continue
            value = read(instance)
            out[name] = None if value is None else represent(value, context)
        return out
    for name, read, represent, _key, _plain in plan:
        value = read(instance)
        out[name] = None if value is None else represent(value, context)
    return out


def _runner(plan):
    """``_run`` specialised to ``plan``: the same steps, written out field by field once per
    class (no loop over the plan, no unpacking of its entries, per row)."""
    namespace = {"_run": _run, "plan": plan, "_MISSING": _MISSING}
    lines = [
        "def run(instance, context):",
        "    if type(instance) is not dict:",
        "        return _run(plan, instance, context)",
        "    get = instance.get",
        "    out = {}",
    ]
    for index, (name, read, represent, key, plain) in enumerate(plan):
        namespace[f"read{index}"], namespace[f"represent{index}"] = read, represent
        slow = [
            f"value = read{index}(instance)",
            f"out[{name!r}] = None if value is None else represent{index}(value, context)",
        ]
        if plain is None:
            lines += [f"    {line}" for line in slow]
            continue
        namespace[f"plain{index}"] = plain
        lines += [
            f"    value = get({key!r}, _MISSING)",
            f"    if value is None or type(value) is plain{index}:",
            f"        out[{name!r}] = value",
            "    else:",
            *(f"        {line}" for line in slow),
        ]
    lines.append("    return out")
    exec("\n".join(lines), namespace)  # noqa: S102 - text built from the plan's field names
    return namespace["run"]


def _identity_type(field: serializers.Field) -> type | None:
    """The type of value ``field`` represents as it is (str for a text field...), or None."""
    method = type(field).to_representation
    if method is serializers.CharField.to_representation:
        return str
    if method is serializers.IntegerField.to_representation:
        return int
    if method is serializers.BooleanField.to_representation:
        return bool
    if method is serializers.ChoiceField.to_representation and all(
        type(key) is str for key in field.choice_strings_to_values.values()
    ):
        return str  # a text that is a choice maps to itself; any other text stays as it is
    return None


def _entry(name: str, field: serializers.Field, owner: type) -> tuple:
    read, represent = _plan_for(field, owner)
    plain = None
    if (
        not isinstance(field, serializers.BaseSerializer | relations.RelatedField)
        and not isinstance(field, serializers.SerializerMethodField)
        and type(field).get_attribute is serializers.Field.get_attribute
        and len(field.source_attrs) == 1
    ):
        plain = _identity_type(field)
    return name, read, represent, field.source_attrs[0] if plain else None, plain


class FastRepresentationMixin:
    """For read serializers: ``to_representation`` through a plan compiled once per class (see
    the module's docstring). The fields stay declared as usual: the schema, the browsable API and
    the CSV columns read them as before."""

    @classmethod
    def compiled_plan(cls):
        """The class's plan, or None when a field needs DRF's own representation."""
        plan = cls.__dict__.get("_compiled_plan", False)
        if plan is False:
            try:
                cls._plan_calls_methods = False
                prototype = cls()
                plan = [
                    _entry(name, field, cls)
                    for name, field in prototype.fields.items()
                    if not field.write_only
                ]
            except _Unsupported:
                plan = None
            cls._compiled_runner = None if plan is None else _runner(plan)
            cls._compiled_plan = plan
        return plan

    def fast_attribute(self, value, context):
        """Hook for nested use: the value to represent in place of the related row (None to
        show null). The identity here; ``get_attribute`` overrides say the same for DRF."""
        return value

    def to_representation(self, instance):
        plan = type(self).compiled_plan()
        if plan is None or not _compiled.get():
            return super().to_representation(instance)
        context = self.__dict__.get("_fast_context")
        if context is None:
            context = {**self.context, "serializer": self}
            self._fast_context = context
        return type(self).__dict__["_compiled_runner"](instance, context)


_compiled = contextvars.ContextVar("compiled_representations", default=True)


def compiled_representations() -> bool:
    """False within ``drf_only()``."""
    return _compiled.get()


@contextmanager
def drf_only():
    """Within: every representation by DRF itself (the reference the plans must equal)."""
    token = _compiled.set(False)
    try:
        yield
    finally:
        _compiled.reset(token)
