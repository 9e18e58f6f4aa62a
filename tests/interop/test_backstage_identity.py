"""Backstage entities keep their identity (issue 11): one platform per kind:namespace/name,
never merged by repository; kinds this catalogue does not hold are skipped, not refused."""

from pathlib import Path

import pytest

from platforms.importers import run_import
from platforms.models import Platform
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

EXAMPLES = (
    Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "backstage-catalog-examples"
)


@pytest.fixture
def owner():
    return OrganisationFactory(slug="gds", name="Government Digital Service")


def _run(files, owner, **kwargs):
    return run_import(
        [(name, text.encode()) for name, text in files], "backstage", owner, None, **kwargs
    )


SYSTEM_AND_COMPONENT = """apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: rhdh
  description: The developer hub, as a system.
spec:
  owner: group:team
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: rhdh
  description: The developer hub's main component.
  annotations:
    backstage.io/source-location: url:https://github.com/example/rhdh/tree/main/
spec:
  type: service
  lifecycle: production
  owner: group:team
  system: rhdh
"""
RESOURCE_SAME_REPOSITORY = """apiVersion: backstage.io/v1alpha1
kind: Resource
metadata:
  name: rhdh-database
  description: Its database.
  links:
    - url: https://github.com/example/rhdh/tree/main/
      title: Source code
spec:
  type: database
  owner: group:team
"""


def test_a_system_and_a_component_of_the_same_name_stay_two_platforms(owner):
    plan = _run([("catalog-info.yaml", SYSTEM_AND_COMPONENT)], owner, dry_run=False)
    assert plan.applied, [str(p) for p in plan.errors]
    system = Platform.objects.get(sources__contains="urn:backstage:system:default/rhdh")
    component = Platform.objects.get(sources__contains="urn:backstage:component:default/rhdh")
    assert system.pk != component.pk
    assert (system.kind, component.kind) == ("service_platform", "software_component")
    # spec.system is a relation a user can see; source-location fills the source URL.
    assert component.part_of == system
    assert component.source_code_url == "https://github.com/example/rhdh/tree/main/"


def test_a_shared_repository_is_suggested_never_merged_and_reimports_do_not_flip(owner):
    _run([("catalog-info.yaml", SYSTEM_AND_COMPONENT)], owner, dry_run=False)
    before = {p.slug: (p.name, p.summary) for p in Platform.objects.all()}
    plan = _run([("resource.yaml", RESOURCE_SAME_REPOSITORY)], owner, dry_run=False)
    assert plan.applied and [i.name for i in plan.created] == ["rhdh-database"]
    suggestions = [p.message for p in plan.warnings if "same repository" in p.message]
    assert suggestions and "urn:backstage:resource:default/rhdh-database" in suggestions[0]
    assert Platform.objects.get(slug="rhdh-database").kind == "data_register"
    # Importing the first file again changes nothing: no entity took another's identity.
    again = _run([("catalog-info.yaml", SYSTEM_AND_COMPONENT)], owner, dry_run=False)
    assert again.ok and not again.created and not again.updated
    after = {p.slug: (p.name, p.summary) for p in Platform.objects.exclude(slug="rhdh-database")}
    assert after == before


SKIPPED = """apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: new-service
spec:
  type: service
---
apiVersion: backstage.io/v1alpha1
kind: AiResource
metadata:
  name: summariser
spec: {}
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata:
  name: frank
spec: {}
---
apiVersion: example.org/v9
kind: SomethingFromTheFuture
metadata:
  name: later
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: assistant-tools
  description: An MCP server.
spec:
  type: mcp-server
  lifecycle: experimental
  owner: group:team
  remotes:
    - url: https://mcp.example.org/sse
"""


def test_kinds_the_catalogue_does_not_hold_are_skipped_with_a_warning(owner):
    plan = _run([("all.yaml", SKIPPED)], owner, dry_run=False)
    assert plan.applied, [str(p) for p in plan.errors]
    assert [i.name for i in plan.created] == ["assistant-tools"]
    assert Platform.objects.get().kind == "api"
    skipped = " ".join(p.message for p in plan.warnings)
    for kind in ("Template", "AiResource", "User", "SomethingFromTheFuture"):
        assert f"'{kind}'" in skipped


NAMESPACED = """apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: worker
  namespace: payments
spec:
  type: service
  lifecycle: production
  owner: team
  dependsOn: ['component:ledger']
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ledger
  namespace: payments
spec:
  type: service
  lifecycle: production
  owner: team
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ledger
spec:
  type: library
  lifecycle: production
  owner: team
"""


def test_a_reference_without_namespace_resolves_in_the_entitys_own(owner):
    plan = _run([("ns.yaml", NAMESPACED)], owner, dry_run=False)
    assert plan.applied, [str(p) for p in plan.errors]
    worker = Platform.objects.get(slug="worker")
    target = worker.dependencies.get().depends_on
    assert "urn:backstage:component:payments/ledger" in target.sources


def test_the_backstage_examples_import_with_systems_as_relations(owner):
    files = [
        (str(path.relative_to(EXAMPLES)), path.read_text())
        for path in sorted(EXAMPLES.rglob("*.yaml"))
        if path.name != "invalid-component.yaml"
    ]
    plan = _run(files, owner, dry_run=False)
    assert plan.applied, [str(p) for p in plan.errors]
    lookup = Platform.objects.get(sources__contains="urn:backstage:component:default/artist-lookup")
    assert lookup.part_of.name == "Artist Engagement Portal"
    assert "domain:artists" in lookup.part_of.tags
    # All seven links are kept: three in the URL fields, the rest as sources.
    assert "https://example.com/alert" in lookup.sources
    api = Platform.objects.get(sources__contains="urn:backstage:api:default/wayback-search")
    assert api.kind == "api" and "kind: API" in api.original_document
