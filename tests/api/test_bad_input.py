"""Hostile and broken input: every refusal is a clean 4xx in the error shape and stores nothing;
what is accepted is stored verbatim and returned escaped."""

from __future__ import annotations

import base64
import json
from urllib.parse import quote

import pytest
from django.test import Client

from platforms.models import Adoption, Capability, Dependency, Organisation, Platform, Standard
from tests.api.conftest import client_for
from tests.factories import (
    AdminUserFactory,
    AdoptionFactory,
    PublishedPlatformFactory,
    TokenFactory,
    editor_of,
)

pytestmark = pytest.mark.django_db

PLATFORMS = "/api/v1/platforms/"


def _counts() -> dict[str, int]:
    models = (Platform, Adoption, Dependency, Organisation, Capability, Standard)
    return {model.__name__: model.objects.count() for model in models}


def _refused(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"status", "code", "message", "errors"}
    assert body["status"] == status
    if code:
        assert body["code"] == code
    return body


@pytest.fixture
def editor(org_a):
    return editor_of(org_a)


@pytest.fixture
def raw(editor):
    """A plain Django client with the editor's token: sends bytes exactly as given."""
    return Client(HTTP_AUTHORIZATION=f"Token {TokenFactory(user=editor).key}")


def _platform(**fields) -> dict:
    return {"name": "Case tracker", "summary": "Track cases.", "owner": "alpha-office", **fields}


# --- size, type and encoding of the body -----------------------------------------------------


def test_an_oversized_json_body_is_413_and_nothing_is_read(raw, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
    before = _counts()
    body = json.dumps(_platform(description="x" * (5 * 1024 * 1024 + 1)))
    response = raw.post(PLATFORMS, body, content_type="application/json")
    body = _refused(response, 413, "too_large")
    assert "5242880" in body["message"]
    assert _counts() == before


def test_an_oversized_body_is_413_even_for_anonymous_and_for_the_token_endpoint(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client = Client()
    _refused(client.post(PLATFORMS, "x" * 2000, content_type="application/json"), 413)
    _refused(client.post("/api/v1/auth/token/", "x" * 2000, content_type="application/json"), 413)


def test_an_oversized_form_body_is_a_clean_4xx(raw, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    before = _counts()
    # Just under the Content-Length limit, over Django's own form limits (fields): still JSON.
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    form = "&".join(f"f{n}=1" for n in range(50))
    response = raw.post(PLATFORMS, form, content_type="application/x-www-form-urlencoded")
    _refused(response, 400, "invalid")
    assert _counts() == before


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/xml", "application/x-yaml", "image/png"]
)
def test_a_body_in_another_format_is_415(raw, content_type):
    before = _counts()
    response = raw.post(PLATFORMS, json.dumps(_platform()), content_type=content_type)
    _refused(response, 415, "unsupported_media_type")
    assert _counts() == before


@pytest.mark.parametrize(
    "body",
    [
        b'{"name": "\xff\xfe broken", "summary": "x", "owner": "alpha-office"}',
        b"\xc3\x28",
        b'{"name": "unterminated',
        b"{'single': 'quotes'}",
        b"",
        b"NaN",
        b'{"name": NaN}',
        b"[1, 2, 3]",
        b'"just a string"',
        b"null",
    ],
)
def test_invalid_utf8_and_invalid_json_are_400(raw, body):
    before = _counts()
    response = raw.post(PLATFORMS, body, content_type="application/json")
    code = _refused(response, 400)["code"]
    assert code in ("parse_error", "invalid")  # unreadable, or read but not an object
    assert _counts() == before


def test_deeply_nested_json_is_400_not_500(raw):
    body = "[" * 100_000 + "]" * 100_000
    response = raw.post(PLATFORMS, body, content_type="application/json")
    _refused(response, 400, "parse_error")


# --- what is stored --------------------------------------------------------------------------

HOSTILE = [
    "'; DROP TABLE platforms_platform; --",
    '" OR 1=1 --',
    "<script>alert('x')</script>",
    '<img src=x onerror="alert(1)">',
    "{{ 7*7 }} ${7*7} %(x)s",
    "Ünïcödé — 🚀 \u202e",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_injection_strings_are_stored_verbatim_and_returned_as_json(raw, text):
    fields = {
        "name": text,
        "summary": text,
        "description": text,
        "hosting": text,
        "supplier": text,
        "sources": text,
        "licence": text[:64],
        "tags": [text[:50]],
    }
    response = raw.post(PLATFORMS, json.dumps(_platform(**fields)), content_type="application/json")
    assert response.status_code == 201, response.content
    # JSON, never sniffed as HTML: markup is inert data inside a JSON string.
    assert response["Content-Type"] == "application/json"
    assert response["X-Content-Type-Options"] == "nosniff"
    body = json.loads(response.content)
    platform = Platform.objects.get(slug=body["slug"])
    for field, value in fields.items():
        assert body[field] == value
        assert getattr(platform, field) == value
    assert Platform.objects.count() == 1  # nothing else was stored (or dropped)
    # The text is data to the database too: searching for it finds it, and nothing else changed.
    found = client_for(None).get(PLATFORMS, {"q": text, "state": "draft"})
    assert found.status_code == 200


@pytest.mark.parametrize("text", HOSTILE)
def test_injection_strings_in_adoption_and_taxonomy_text(org_a, text):
    admin = client_for(AdminUserFactory())
    response = admin.post(
        "/api/v1/capabilities/",
        {"slug": "c", "name": text[:100], "description": text},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert Capability.objects.get(slug="c").description == text
    platform = PublishedPlatformFactory(slug="pay")
    response = admin.post(
        "/api/v1/adoptions/",
        {"platform": "pay", "organisation": "alpha-office", "use_case": text, "notes": text},
        format="json",
    )
    assert response.status_code == 201, response.content
    adoption = Adoption.objects.get(platform=platform)
    assert adoption.use_case == adoption.notes == text
    assert response.json()["notes"] == text


def test_unknown_and_read_only_fields_are_refused_by_name(raw):
    before = _counts()
    body = _platform(sumary="typo", state="published", version=9, reuse_count=5)
    response = raw.post(PLATFORMS, json.dumps(body), content_type="application/json")
    body = _refused(response, 400, "invalid")
    assert set(body["errors"]) == {"sumary", "state", "version", "reuse_count"}
    assert "Unknown field" in body["errors"]["sumary"][0]
    assert "submit" in body["errors"]["state"][0]
    assert "If-Match" in body["errors"]["version"][0]
    assert body["errors"]["reuse_count"] == [
        "Unknown field. Allowed fields: "
        + ", ".join(
            sorted(
                [
                    "capabilities",
                    "contact_email",
                    "contract_end_date",
                    "data_classification",
                    "description",
                    "documentation_url",
                    "handles_personal_data",
                    "hosting",
                    "is_open_source",
                    "licence",
                    "name",
                    "owner",
                    "phase",
                    "pricing_model",
                    "replaced_by",
                    "service_url",
                    "slug",
                    "source_code_url",
                    "sources",
                    "standards",
                    "summary",
                    "supplier",
                    "tags",
                ]
            )
        )
        + "."
    ]
    assert _counts() == before


def test_unknown_fields_are_reported_with_the_other_errors(raw):
    response = raw.post(
        PLATFORMS,
        json.dumps({"owner": "alpha-office", "colour": "red"}),
        content_type="application/json",
    )
    errors = _refused(response, 400)["errors"]
    assert {"colour", "name", "summary"} <= set(errors)


def test_unknown_fields_on_a_change_store_nothing(raw, org_a):
    platform = PublishedPlatformFactory(slug="pay", owner=org_a, summary="Before.")
    response = raw.patch(
        f"{PLATFORMS}pay/",
        json.dumps({"summary": "After.", "state": "draft"}),
        content_type="application/json",
    )
    _refused(response, 400)
    platform.refresh_from_db()
    assert (platform.summary, platform.state, platform.version) == ("Before.", "published", 1)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", 0),
        ("summary", True),
        ("is_open_source", "yes"),
        ("is_open_source", 1),
        ("capabilities", {}),
        ("capabilities", "payments"),
        ("tags", {"a": 1}),
        ("replaced_by", ""),
        ("owner", ["alpha-office"]),
        ("contract_end_date", "31/12/2030"),
        ("phase", None),
    ],
)
def test_values_of_the_wrong_type_are_refused(raw, field, value):
    before = _counts()
    response = raw.post(
        PLATFORMS, json.dumps(_platform(**{field: value})), content_type="application/json"
    )
    assert field in _refused(response, 400)["errors"]
    assert _counts() == before


# --- pages, cursors, ids, query strings ------------------------------------------------------


def test_huge_page_sizes_are_clamped(settings):
    settings.API_MAX_PAGE_SIZE = 3
    for n in range(5):
        PublishedPlatformFactory(slug=f"p{n}")
    client = client_for(None)
    for size in ("4", "100000", str(10**30)):
        response = client.get(PLATFORMS, {"page_size": size})
        assert len(response.json()["results"]) == 3
    response = client.get("/api/v1/capabilities/", {"limit": str(10**30), "offset": str(10**30)})
    assert response.status_code == 200
    assert response.json()["results"] == []


@pytest.mark.parametrize("value", ["abc", "-1", "0", "1.5", "", "1e3"])
def test_page_sizes_that_are_not_numbers_are_400(value):
    _refused(client_for(None).get(PLATFORMS, {"page_size": value}), 400)
    _refused(client_for(None).get("/api/v1/capabilities/", {"limit": value}), 400)


def _cursor(**tokens) -> str:
    return base64.b64encode("&".join(f"{k}={v}" for k, v in tokens.items()).encode()).decode()


@pytest.mark.parametrize(
    ("url", "cursor"),
    [
        (PLATFORMS, "not base64 at all!"),
        (PLATFORMS, base64.b64encode(b"\xff\xfe").decode()),
        (PLATFORMS, _cursor(o="x", p="a")),
        (PLATFORMS, _cursor(o=str(10**40), p="a")),
        (f"{PLATFORMS}?ordering=-reuse_count", _cursor(p="not-a-number")),
        (f"{PLATFORMS}?ordering=-reuse_count", _cursor(p=str(10**40))),
        (f"{PLATFORMS}?ordering=updated_at", _cursor(p="not-a-date")),
        ("/api/v1/adoptions/", _cursor(p="not-an-id")),
        ("/api/v1/adoptions/", _cursor(p=str(10**40))),
        ("/api/v1/platforms/pay/history/", _cursor(p="yesterday")),
        ("/api/v1/dependencies/", _cursor(p="'; DROP TABLE x; --")),
    ],
)
def test_tampered_cursors_are_a_clean_4xx(url, cursor):
    PublishedPlatformFactory(slug="pay")
    AdoptionFactory()
    separator = "&" if "?" in url else "?"
    response = client_for(None).get(f"{url}{separator}cursor={quote(cursor)}")
    assert response.status_code in (200, 400, 404), response.content[:300]
    if response.status_code != 200:
        _refused(response, response.status_code)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/adoptions/99999999999999999999999999/",
        "/api/v1/adoptions/-1/",
        "/api/v1/adoptions/1.5/",
        "/api/v1/adoptions/0x10/",
        "/api/v1/adoptions/99999999999999999999999999/history/",
        "/api/v1/dependencies/9223372036854775808/",
        "/api/v1/platforms/" + "a" * 5000 + "/",
        "/api/v1/platforms/%00/",
        "/api/v1/platforms/%F0%9F%9A%80/",
        "/api/v1/platforms/..%2F..%2Fetc%2Fpasswd/",
        "/api/v1/organisations/" + "x" * 300 + "/platforms/",
        "/api/v1/capabilities/%27%20OR%201%3D1/",
        "/api/v1/no-such-endpoint/",
    ],
)
def test_absurd_ids_and_slugs_are_404(url):
    _refused(client_for(None).get(url), 404, "not_found")


def test_absurd_ids_in_writes_are_404_and_store_nothing(raw):
    before = _counts()
    for url in ("/api/v1/adoptions/99999999999999999999999999/", "/api/v1/dependencies/-5/"):
        _refused(raw.delete(url), 404)
        _refused(
            raw.patch(url, "{}", content_type="application/json"), 404 if "adopt" in url else 405
        )
    assert _counts() == before


def test_huge_query_strings_are_answered_cleanly():
    client = client_for(None)
    response = client.get(PLATFORMS, {"q": "x" * 100_000})
    assert response.status_code == 200 and response.json()["results"] == []
    response = client.get(PLATFORMS, {"phase": ",".join(["live"] * 10_000)})
    assert response.status_code == 200
    many = "&".join(f"p{n}=1" for n in range(5000))
    _refused(client.get(f"{PLATFORMS}?{many}"), 400, "invalid")
    _refused(client.get(PLATFORMS, {"owner": "x" * 10_000}), 400, "invalid")


def test_empty_filter_values_are_400():
    for parameter in ("phase", "owner", "updated_after", "is_open_source", "ordering"):
        errors = _refused(client_for(None).get(f"{PLATFORMS}?{parameter}="), 400)["errors"]
        assert parameter in errors
    assert client_for(None).get(f"{PLATFORMS}?q=").status_code == 200


def test_nul_characters_are_refused_everywhere(raw):
    """PostgreSQL cannot store or even compare text with NUL in it: refused before it gets there."""
    before = _counts()
    _refused(client_for(None).get(PLATFORMS, {"q": "a\x00b"}), 400)
    _refused(client_for(None).get(PLATFORMS, {"owner": "\x00"}), 400)
    _refused(client_for(None).get("/api/v1/platforms/a%00b/history/"), 404)
    body = json.dumps(_platform(name="a\x00b", tags=["\x00"]))
    errors = _refused(raw.post(PLATFORMS, body, content_type="application/json"), 400)["errors"]
    assert {"name", "tags"} <= set(errors)
    assert _counts() == before


@pytest.mark.parametrize("ordering", [",", "name,", ",,-name", " "])
def test_blank_orderings_are_400_not_500(ordering):
    """Found by the fuzzer: an empty part of ?ordering= reached order_by("")."""
    errors = _refused(client_for(None).get(PLATFORMS, {"ordering": ordering}), 400)["errors"]
    assert "ordering" in errors


def test_an_empty_format_is_404_like_an_unknown_one():
    _refused(client_for(None).get(PLATFORMS, {"format": ""}), 404)
    _refused(client_for(None).get(PLATFORMS, {"format": "xml"}), 404)


@pytest.mark.parametrize("owner", ["", "not a slug", "alpha-office/"])
@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_an_owner_that_is_not_a_slug_is_400_and_changes_nothing(raw, org_a, method, owner):
    """``?owner=`` picks among platforms sharing a slug; the schema says it is a slug. An empty
    one was ignored (a change went through to the published platform: found by the fuzzer)."""
    platform = PublishedPlatformFactory(slug="pay", owner=org_a, summary="Before.")
    body = json.dumps(_platform(summary="After.", owner=org_a.slug))
    url = f"{PLATFORMS}pay/?owner={quote(owner)}"
    if method == "get":
        response = raw.get(url)
    else:
        send = getattr(raw, method)
        response = send(url, body, content_type="application/json", HTTP_IF_MATCH='"1"')
    errors = _refused(response, 400)["errors"]
    assert list(errors) == ["owner"]
    platform.refresh_from_db()
    assert (platform.summary, platform.version) == ("Before.", 1)


def test_the_owner_slug_still_picks_the_platform(raw, org_a):
    PublishedPlatformFactory(slug="pay", owner=org_a)
    assert raw.get(f"{PLATFORMS}pay/?owner={org_a.slug}").status_code == 200
    assert raw.get(f"{PLATFORMS}pay/?owner=someone-else").status_code == 404
