"""The API's JSON renderer (orjson) writes DRF's bytes, whatever the data: floats orjson would
write otherwise, U+2028, control characters, dates, decimals, lazy text, odd keys, big numbers;
and indented output stays DRF's."""

import datetime
import decimal
import uuid

import pytest
from django.utils.translation import gettext_lazy
from rest_framework import renderers as drf_renderers

from api import renderers

AWKWARD = {
    "text": '«ü» \u2028 \u2029 " \\ / \x00 \x01 \x1f \x7f \t\n\r \ufeff \U0001f600 1e-5, 2E7',
    "floats": [0.1, 1.5, 1e16, 1e-7, 2.5e-5, 0.0001, -0.0, 1 / 3, 123456789.125, 1e22],
    "ints": [0, -1, 2**53 + 1, 2**63 - 1],
    "when": datetime.datetime(2026, 11, 28, 9, 5, 1, 123456, tzinfo=datetime.UTC),
    "naive": datetime.datetime(2026, 11, 28, 9, 5, 1),
    "day": datetime.date(2027, 3, 31),
    "time": datetime.time(9, 5, 1, 500),
    "decimal": decimal.Decimal("12.50"),
    "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "lazy": gettext_lazy("Not found."),
    "nested": {"a": [{"b": None, "c": True}], "": False},
    "tuple": (1, "two"),
}


@pytest.mark.parametrize(
    "data",
    [
        AWKWARD,
        [AWKWARD, AWKWARD],
        {"results": [{"score": 0.00005}, {"score": 0.5}]},  # a float orjson writes otherwise
        {1: "an int key"},
        {"huge": 2**70},
        {"set": {1}},
        {},
        [],
        "text\u2028",
    ],
)
def test_the_bytes_are_drf_s(data):
    assert renderers.JSONRenderer().render(data) == drf_renderers.JSONRenderer().render(data)


def test_refused_as_drf_refuses():
    with pytest.raises(TypeError):
        drf_renderers.JSONRenderer().render({"thing": object()})
    with pytest.raises(TypeError):
        renderers.JSONRenderer().render({"thing": object()})


def test_indented_and_empty_as_drf():
    fast, drf = renderers.JSONRenderer(), drf_renderers.JSONRenderer()
    for media_type in ("application/json; indent=4", "application/json; indent=0"):
        assert fast.render(AWKWARD, media_type) == drf.render(AWKWARD, media_type)
    assert fast.render(AWKWARD, None, {"indent": 2}) == drf.render(AWKWARD, None, {"indent": 2})
    assert fast.render(None) == b""


def test_orjson_writes_the_common_case():
    """Not a fallback each time: a page of text, numbers and dates is orjson's."""
    data = {
        "name": "Pay – type-1 e-mail",
        "count": 3,
        "score": 0.5,
        "when": AWKWARD["when"],
        "tags": ["a", "b"],
    }
    assert renderers._orjson_body(data) is not None
    assert renderers._orjson_body({"score": 0.00002}) is None  # DRF's bytes: 2e-05
