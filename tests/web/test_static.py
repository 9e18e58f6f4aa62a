"""Static files: GOV.UK Frontend is vendored (no Node at run time), and production serves every
file under a hashed name with a year-long cache through whitenoise."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.http import HttpResponse
from whitenoise.middleware import WhiteNoiseMiddleware

STATIC = Path(__file__).resolve().parents[2] / "catalogue" / "web" / "static"


def test_govuk_frontend_is_vendored_with_its_licence_and_relative_asset_urls():
    css = (STATIC / "govuk-frontend" / "govuk-frontend.min.css").read_text()
    licence = (STATIC / "govuk-frontend" / "LICENCE.txt").read_text()

    assert "url(/assets/" not in css and "url(assets/fonts/" in css
    assert "MIT License" in licence and "Open Government Licence" in licence
    for font in re.findall(r"url\((assets/fonts/[^)]+)\)", css):
        assert (STATIC / "govuk-frontend" / font).is_file()


@pytest.mark.django_db
def test_production_static_files_have_hashed_names_and_long_cache_headers(
    settings, tmp_path, client, rf
):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)

    html = client.get("/data-sources/").content.decode()
    css = re.search(r'href="(/static/govuk-frontend/govuk-frontend\.min\.[0-9a-f]{12}\.css)"', html)
    script = re.search(r'data-govuk-frontend="(/static/[^"]+\.[0-9a-f]{12}\.js)"', html)
    assert css and script

    whitenoise = WhiteNoiseMiddleware(lambda request: HttpResponse(status=404))
    response = whitenoise(rf.get(css.group(1)))
    assert response.status_code == 200
    assert "immutable" in response["Cache-Control"]
    assert int(re.search(r"max-age=(\d+)", response["Cache-Control"]).group(1)) >= 365 * 86400
    # The fonts the stylesheet names were hashed and rewritten too.
    body = b"".join(response.streaming_content).decode()
    assert re.search(r"url\(\"?assets/fonts/bold-[0-9a-f]+-v2\.[0-9a-f]{12}\.woff2", body)
