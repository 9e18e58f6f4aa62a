"""POST /api/v1/imports/: files in, the importer's plan out. A dry run by default; applied all or
nothing; refused with the problems located by file, line and field."""

import pytest

from platforms.importers.base import MAX_FILE_BYTES
from platforms.models import Organisation, Platform
from tests.api.conftest import client_for
from tests.conftest import CATALOG_INFO as GOOD
from tests.conftest import IMPORTS, upload
from tests.conftest import post_import as post
from tests.factories import AdminUserFactory, editor_of

pytestmark = pytest.mark.django_db

MISSING_LIFECYCLE = b"""apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: good
  description: A good component
spec:
  type: service
  lifecycle: experimental
  owner: group:platform-team
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: bad
spec:
  type: service
  owner: platform-team
"""


@pytest.fixture
def editor(org_a):
    return client_for(editor_of(org_a))


def test_a_dry_run_reports_and_writes_nothing(editor):
    response = post(editor)
    assert response.status_code == 200, response.content
    plan = response.json()
    assert plan["dry_run"] is True and plan["applied"] is False
    assert [(i["slug"], i["file"], i["line"]) for i in plan["created"]] == [
        ("case-tracker", "catalog-info.yaml", 4)  # metadata.name
    ]
    assert Platform.objects.count() == 0


def test_applied_it_creates_drafts_then_a_second_run_changes_nothing(editor, org_a):
    response = post(editor, dry_run="false")
    assert response.status_code == 201, response.content
    assert response.json()["applied"] is True
    platform = Platform.objects.get(slug="case-tracker")
    assert platform.owner == org_a and platform.state == Platform.State.DRAFT
    again = post(editor, [upload()], dry_run="false")
    assert again.status_code == 201
    assert [i["slug"] for i in again.json()["unchanged"]] == ["case-tracker"]
    assert not again.json()["created"] and not again.json()["updated"]


def test_several_files_in_one_import(editor):
    other = GOOD.replace(b"case-tracker", b"grants-portal")
    response = post(editor, [upload("a.yaml"), upload("b.yaml", other)])
    assert sorted(i["slug"] for i in response.json()["created"]) == [
        "case-tracker",
        "grants-portal",
    ]


def test_an_invalid_file_is_refused_with_its_problems_and_nothing_is_written(editor):
    response = post(editor, [upload(content=MISSING_LIFECYCLE)], dry_run="false")
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == 400 and body["code"] == "invalid"
    assert "nothing was written" in body["message"]
    (problem,) = [p for p in body["plan"]["problems"] if p["severity"] == "error"]
    assert problem == {
        "file": "catalog-info.yaml",
        "line": 15,
        "field": "spec.lifecycle",
        "message": problem["message"],
        "severity": "error",
    }
    assert "'spec.lifecycle' is required" in problem["message"]
    assert body["errors"]["catalog-info.yaml"][0].startswith("line 15: spec.lifecycle:")
    assert body["plan"]["applied"] is False
    assert Platform.objects.count() == 0  # not even the valid "good"


def test_a_csv_export_imports_again_as_no_change(editor, org_a):
    from platforms.exporters import export_csv
    from tests.factories import PublishedPlatformFactory

    PublishedPlatformFactory(slug="ours", owner=org_a)
    text = export_csv("platforms").encode()
    response = post(editor, [upload("platforms.csv", text)], format="csv", owner="")
    assert response.status_code == 200, response.content
    assert [i["slug"] for i in response.json()["unchanged"]] == ["ours"]


def test_a_csv_row_for_another_organisation_is_refused(editor, org_b):
    from platforms.exporters import export_csv
    from tests.factories import PublishedPlatformFactory

    PublishedPlatformFactory(slug="theirs", owner=org_b)
    text = export_csv("platforms").replace(",Shared", ",Renamed").encode()
    response = post(editor, [upload("platforms.csv", text)], format="csv", owner="")
    assert response.status_code == 400, response.content
    assert response.json()["plan"]["problems"][0]["file"] == "platforms.csv"


# --- who may ---------------------------------------------------------------------------------


def test_anonymous_is_401(org_a):
    response = post(client_for(None))
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_a_member_of_another_organisation_is_403(org_a, org_b):
    response = post(client_for(editor_of(org_b)))
    assert response.status_code == 403
    assert "Alpha Office" in response.json()["message"]
    assert Platform.objects.count() == 0


def test_creating_organisations_is_for_administrators(editor, org_a):
    assert post(editor, create_organisations="true").status_code == 403
    admin = client_for(AdminUserFactory())
    assert post(admin, create_organisations="true").status_code == 200
    assert Organisation.objects.count() == 1


# --- bad requests ----------------------------------------------------------------------------


def test_a_file_over_1_mb_is_413(editor):
    big = GOOD + b"#" * MAX_FILE_BYTES
    response = post(editor, [upload(content=big)])
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert "catalog-info.yaml" in response.json()["message"]


def test_too_many_files_is_400(editor):
    response = post(editor, [upload(f"{n}.yaml") for n in range(21)])
    assert response.status_code == 400
    assert "file" in response.json()["errors"]


def test_a_body_over_the_limit_is_413_before_it_is_read(editor, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = post(editor, [upload(content=GOOD + b"#" * 2000)])
    assert response.status_code == 413


@pytest.mark.parametrize(
    ("fields", "files", "field"),
    [
        ({}, [], "file"),
        ({"format": "yaml"}, None, "format"),
        ({"owner": "no-such-body"}, None, "owner"),
        ({"owner": ""}, None, "owner"),  # publiccode and backstage need one
        ({"dry_run": "perhaps"}, None, "dry_run"),
        ({"colour": "blue"}, None, "colour"),
        ({}, [upload(content=b"")], "file"),
    ],
)
def test_bad_requests_are_400(editor, fields, files, field):
    response = post(editor, files, **fields)
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert Platform.objects.count() == 0


def test_json_is_415(editor):
    response = editor.post(IMPORTS, {"format": "csv"}, format="json")
    assert response.status_code == 415
