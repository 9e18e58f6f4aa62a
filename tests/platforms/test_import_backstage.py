"""Backstage catalog-info.yaml import, on Backstage's own example catalogue."""

from pathlib import Path

import pytest

from platforms.importers import run_import
from platforms.models import Dependency, Platform
from tests.factories import OrganisationFactory

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
EXAMPLES = DATA / "backstage-catalog-examples"

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not EXAMPLES.exists(), reason="shared test data not present"),
]


@pytest.fixture
def owner():
    return OrganisationFactory(slug="acme", name="Acme Department")


def _files(paths):
    return [(p.relative_to(EXAMPLES).as_posix(), p.read_bytes()) for p in paths]


def _valid_paths():
    return [p for p in sorted(EXAMPLES.rglob("*.yaml")) if p.name != "invalid-component.yaml"]


def _import(paths, owner, **kwargs):
    return run_import(_files(paths), "backstage", owner, None, base_dir=EXAMPLES, **kwargs)


def test_examples_import(owner):
    plan = _import(_valid_paths(), owner, dry_run=False)
    assert plan.applied, [str(p) for p in plan.errors]
    slugs = set(Platform.objects.values_list("slug", flat=True))
    # Components, APIs (whose names clash with components get the kind), systems, resources.
    assert {"wayback-search", "wayback-search-api", "artists-db", "podcast"} <= slugs
    assert "playback-order" in slugs
    search = Platform.objects.get(slug="wayback-search")
    assert search.phase == Platform.Phase.LIVE  # lifecycle production
    assert "owner:team-a" in search.tags
    assert "urn:backstage:component:default/wayback-search" in search.sources.splitlines()
    assert all(p.owner == owner for p in Platform.objects.all())
    # spec.dependsOn resource:artists-db, consumesApis and providesApis become dependencies.
    pairs = set(Dependency.objects.values_list("platform__slug", "depends_on__slug"))
    assert ("artist-lookup", "artists-db") in pairs
    assert ("wayback-search", "wayback-archive-api") in pairs
    assert ("wayback-search-api", "wayback-search") in pairs
    # Users and domains are not platforms.
    assert any("not a platform; skipped" in p.message for p in plan.warnings)


def test_second_import_changes_nothing(owner):
    assert _import(_valid_paths(), owner, dry_run=False).applied
    before = (Platform.objects.count(), Dependency.objects.count())
    plan = _import(_valid_paths(), owner, dry_run=False)
    assert plan.ok and not plan.created and not plan.updated
    assert (Platform.objects.count(), Dependency.objects.count()) == before


def test_invalid_component_is_refused_with_a_clear_message(owner):
    plan = _import(
        _valid_paths() + [EXAMPLES / "components/invalid-component.yaml"], owner, dry_run=False
    )
    assert not plan.applied
    assert Platform.objects.count() == 0
    name_errors = [p for p in plan.errors if p.field == "metadata.name"]
    assert name_errors[0].file == "components/invalid-component.yaml"
    assert name_errors[0].line == 4
    assert "'invalid component' is not a valid entity name" in name_errors[0].message
    assert "no spaces" in name_errors[0].message


def test_location_follows_local_files_only(owner):
    plan = _import([EXAMPLES / "acme/org.yaml"], owner, dry_run=True)
    assert plan.ok
    missing = [p for p in plan.warnings if p.field == "spec.targets"]
    # team-c and team-d are named by the Location but not in the examples.
    assert {"'./team-c-group.yaml'", "'./team-d-group.yaml'"} <= {
        p.message.split(" ")[0] for p in missing
    }


def test_remote_location_is_not_fetched(owner):
    text = b"""apiVersion: backstage.io/v1alpha1
kind: Location
metadata:
  name: remote
spec:
  targets:
    - https://example.com/catalog-info.yaml
"""
    plan = run_import([("catalog-info.yaml", text)], "backstage", owner, None)
    assert plan.ok
    assert "nothing is fetched over the network" in plan.warnings[0].message


def test_multi_document_file_and_missing_required_spec(owner):
    text = b"""apiVersion: backstage.io/v1alpha1
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
    plan = run_import([("catalog-info.yaml", text)], "backstage", owner, None, dry_run=False)
    assert not plan.applied
    (error,) = plan.errors
    assert (error.field, error.line) == ("spec.lifecycle", 15)
    assert "'spec.lifecycle' is required" in error.message

    fixed = text.replace(
        b"  type: service\n  owner: platform-team",
        b"  type: service\n  lifecycle: deprecated\n  owner: platform-team",
    )
    plan = run_import([("catalog-info.yaml", fixed)], "backstage", owner, None, dry_run=False)
    assert plan.applied
    assert Platform.objects.get(slug="good").phase == Platform.Phase.ALPHA
    assert Platform.objects.get(slug="bad").phase == Platform.Phase.RETIRING


def test_dry_run_writes_nothing(owner):
    plan = _import(_valid_paths(), owner, dry_run=True)
    assert plan.ok and plan.created and not plan.applied
    assert Platform.objects.count() == 0
