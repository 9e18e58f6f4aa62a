"""The JSON-LD export conforms to DCAT-AP 3.0.1 (issue 11, item 4): validated with pyshacl against
the official SHACL shapes (../shared/data/dcat-ap-3.0.1) on the real reference catalogue."""

import json
from pathlib import Path

import pytest
import rdflib
from django.core.management import call_command
from pyshacl import validate
from rdflib.namespace import RDF, SH

from platforms.models import Capability, Platform
from tests.conftest import reference_catalogue_loaded
from tests.exports.conftest import body_of

SHAPES = Path(__file__).resolve().parents[3] / "shared" / "data" / "dcat-ap-3.0.1"
SITE = "https://platforms.example.gov.uk"
# Open namespaces: rdflib's closed DCAT one predates DCAT 3 (no dcat:resource).
DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
DCTERMS = rdflib.Namespace("http://purl.org/dc/terms/")
FOAF = rdflib.Namespace("http://xmlns.com/foaf/0.1/")
SKOS = rdflib.Namespace("http://www.w3.org/2004/02/skos/core#")

pytestmark = [
    pytest.mark.skipif(not SHAPES.is_dir(), reason="needs ../shared/data/dcat-ap-3.0.1"),
    # rdflib's own JSON-LD parser still uses its deprecated ConjunctiveGraph.
    pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning"),
]


@pytest.fixture(scope="module")
def reference_catalogue(django_db_setup, django_db_blocker):
    """The real organisations, capabilities, standards and platforms, loaded once through the
    same loader as ``manage.py load_reference_data`` (its adoption evidence left out: the
    DCAT export does not show it), rolled back after the module."""
    with reference_catalogue_loaded(django_db_blocker):
        yield


@pytest.fixture(scope="module")
def shapes():
    graph = rdflib.Graph()
    for name in ("dcat-ap-SHACL.ttl", "ranges.ttl", "mdr-vocabularies.shape.ttl"):
        graph.parse(SHAPES / name, format="turtle")
    return graph


def export_graph(tmp_path, *args) -> tuple[rdflib.Graph, dict]:
    out = tmp_path / "catalogue.jsonld"
    call_command("export_catalogue", "--format", "jsonld", "--output", str(out), *args)
    text = out.read_text(encoding="utf-8")
    return rdflib.Graph().parse(data=text, format="json-ld"), json.loads(text)


def violations(data: rdflib.Graph, shapes: rdflib.Graph) -> list[str]:
    _, report, _ = validate(data, shacl_graph=shapes, inference="none", allow_warnings=True)
    return [
        f"{report.value(r, SH.focusNode)} {report.value(r, SH.resultPath)}: "
        f"{report.value(r, SH.resultMessage)}"
        for r in report.objects(None, SH.result)
        if report.value(r, SH.resultSeverity) == SH.Violation
    ]


def test_the_reference_catalogue_has_no_violation(reference_catalogue, db, shapes, tmp_path):
    graph, _ = export_graph(tmp_path, "--base-url", SITE)
    published = Platform.objects.published().count()
    assert published >= 10  # the real catalogue, not an empty document
    assert violations(graph, shapes) == []

    (catalog,) = graph.subjects(RDF.type, DCAT.Catalog)
    assert str(catalog) == f"{SITE}/api/v1/catalogue.jsonld"
    # Every IRI is absolute.
    nodes = {n for triple in graph for n in triple if isinstance(n, rdflib.URIRef)}
    assert all(str(n).startswith(("http://", "https://", "mailto:")) for n in nodes)
    # The catalogue's publisher, its theme taxonomy, and every platform once.
    publisher = graph.value(catalog, DCTERMS.publisher)
    assert (publisher, RDF.type, FOAF.Agent) in graph
    assert graph.value(publisher, FOAF.name)
    taxonomy = graph.value(catalog, DCAT.themeTaxonomy)
    assert (taxonomy, RDF.type, SKOS.ConceptScheme) in graph
    services = set(graph.objects(catalog, DCAT.service))
    others = set(graph.objects(catalog, DCAT.resource))
    assert len(services) + len(others) == published
    assert services and others
    for service in services:
        assert (service, RDF.type, DCAT.DataService) in graph
        assert graph.value(service, DCAT.endpointURL) is not None
    for resource in others:
        assert (resource, RDF.type, DCAT.Resource) in graph
        assert (resource, RDF.type, DCAT.DataService) not in graph
    themes = set(graph.objects(None, DCAT.theme))
    assert themes
    assert all(graph.value(theme, SKOS.inScheme) == taxonomy for theme in themes)
    used = Capability.objects.filter(platforms__state="published").distinct().count()
    assert len(themes) == used


def test_a_platform_without_a_service_url_is_still_valid(reference_catalogue, db, shapes, tmp_path):
    # Make every platform lack an endpoint, then every platform have one: both conform.
    Platform.objects.update(service_url="")
    graph, document = export_graph(tmp_path)
    assert violations(graph, shapes) == []
    assert document["dcat:service"] == []
    Platform.objects.update(service_url="https://service.example.gov.uk/")
    graph, document = export_graph(tmp_path)
    assert violations(graph, shapes) == []
    assert document["dcat:resource"] == []


def test_the_shapes_do_catch_a_service_without_an_endpoint(
    reference_catalogue, db, shapes, tmp_path
):
    """The check can fail: a DataService without dcat:endpointURL is a violation."""
    graph, _ = export_graph(tmp_path)
    service = next(graph.subjects(RDF.type, DCAT.DataService))
    graph.remove((service, DCAT.endpointURL, None))
    assert any("endpointURL" in v for v in violations(graph, shapes))


def test_iris_come_from_site_url(reference_catalogue, db, settings, api_client):
    settings.SITE_URL = "https://catalogue.example/"
    response = api_client.get("/api/v1/catalogue.jsonld")
    assert response.streaming
    document = json.loads(body_of(response))
    assert document["@id"] == "https://catalogue.example/api/v1/catalogue.jsonld"
    assert document["dct:publisher"]["foaf:homepage"]["@id"] == "https://catalogue.example/"
    first = (document["dcat:service"] + document["dcat:resource"])[0]
    assert first["@id"].startswith("https://catalogue.example/api/v1/platforms/")
    assert "testserver" not in json.dumps(document)
