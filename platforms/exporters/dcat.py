"""The published catalogue as DCAT-AP 3.0.1 JSON-LD: one ``dcat:Catalog`` of the platforms.

Choices, checked against the official SHACL shapes of DCAT-AP 3.0.1 (tests/exports/):

- Every IRI is absolute, built from ``settings.SITE_URL`` (the address the catalogue is published
  at), or from the base URL a caller passes (the API passes the request's own).
- The catalogue's ``dct:publisher`` (mandatory) is the catalogue service itself, a ``foaf:Agent``
  whose home page is the site: the data does not say which organisation operates a deployment,
  so none is named. Each platform's ``dct:publisher`` is its owning organisation.
- A platform with a service URL is a ``dcat:DataService`` (listed under ``dcat:service``) whose
  ``dcat:endpointURL`` (mandatory) is that URL. A platform without one has no endpoint to give,
  so it is a plain ``dcat:Resource`` (DCAT 3's class for any catalogued resource, listed under
  ``dcat:resource``) rather than a DataService with a made-up endpoint. Both are also
  ``adms:Asset``.
- Capabilities are ``skos:Concept`` themes, each ``skos:inScheme`` the catalogue's capability
  taxonomy, a ``skos:ConceptScheme`` named by the catalogue's ``dcat:themeTaxonomy``.
- Lifecycle phases map onto the ADMS status vocabulary; licences are SPDX licence IRIs.

The document streams (:func:`stream_catalogue_jsonld`): platforms are read as plain values in
chunks, one query for each of the two lists, so its size is never held in memory.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db.models import Max

from platforms.exporters.tabular import LIST_SEPARATOR, joined_slugs
from platforms.models import Capability, Platform, Standard

CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "adms": "http://www.w3.org/ns/adms#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    # Text is English unless a term says otherwise; identifiers are not text in a language.
    "@language": "en",
    "dct:identifier": {"@language": None},
    "dct:modified": {"@type": "xsd:dateTime"},
    "dct:issued": {"@type": "xsd:dateTime"},
    "vcard:hasEmail": {"@type": "@id"},
}

TITLE = "Cross-government common technology platforms"
DESCRIPTION = (
    "Shared platforms and reusable components run by UK government organisations for others to "
    "reuse, with who runs them, what they do and who uses them."
)
LANGUAGE_TABLE = "http://publications.europa.eu/resource/authority/language"
LANGUAGE = f"{LANGUAGE_TABLE}/ENG"
ADMS_STATUS = "http://purl.org/adms/status/"
# Our lifecycle phases on the ADMS status vocabulary.
PHASE_STATUS = {
    Platform.Phase.DISCOVERY: "UnderDevelopment",
    Platform.Phase.ALPHA: "UnderDevelopment",
    Platform.Phase.BETA: "UnderDevelopment",
    Platform.Phase.LIVE: "Completed",
    Platform.Phase.RETIRING: "Deprecated",
    Platform.Phase.RETIRED: "Withdrawn",
}
CHUNK_SIZE = 2000


def _site(site_url: str | None) -> str:
    return (site_url or settings.SITE_URL).rstrip("/")


def _document(url: str) -> dict[str, str]:
    return {"@id": url, "@type": "foaf:Document"}


def catalogue_iri(site_url: str | None = None) -> str:
    return f"{_site(site_url)}/api/v1/catalogue.jsonld"


def theme_taxonomy(site_url: str | None = None) -> dict[str, Any]:
    return {
        "@id": f"{_site(site_url)}/api/v1/capabilities/",
        "@type": "skos:ConceptScheme",
        "dct:title": "Capabilities: the needs common platforms meet",
    }


def _organisation(site: str, record: dict[str, Any]) -> dict[str, Any]:
    node: dict[str, Any] = {
        "@id": f"{site}/api/v1/organisations/{record['owner__slug']}/",
        "@type": ["foaf:Agent", "foaf:Organization"],
        "foaf:name": record["owner__name"],
    }
    if record["owner__website"]:
        node["foaf:homepage"] = _document(record["owner__website"])
    return node


class _Taxonomies:
    """Capabilities and standards by slug, read once per export: short lists, so each platform
    row needs only the slugs the database aggregates for it."""

    def __init__(self, site: str) -> None:
        self.themes = {
            slug: {
                "@id": f"{site}/api/v1/capabilities/{slug}/",
                "@type": "skos:Concept",
                "skos:prefLabel": name,
                "skos:inScheme": {"@id": f"{site}/api/v1/capabilities/"},
            }
            for slug, name in Capability.objects.values_list("slug", "name")
        }
        self.standards = {
            slug: {
                "@id": url or f"{site}/api/v1/standards/{slug}/",
                "@type": "dct:Standard",
                "dct:title": name,
            }
            for slug, name, url in Standard.objects.values_list("slug", "name", "url")
        }


def _slug_list(joined: str | None) -> list[str]:
    return sorted(joined.split(LIST_SEPARATOR)) if joined else []


def platform_node(record: dict[str, Any], site: str, taxonomies: _Taxonomies) -> dict[str, Any]:
    """One platform (a row of ``_platform_records``): a ``dcat:DataService`` when it has a
    service URL (its endpoint), otherwise a ``dcat:Resource``; an ``adms:Asset`` either way."""
    service_url, documentation_url = record["service_url"], record["documentation_url"]
    phase = Platform.Phase(record["phase"])
    node: dict[str, Any] = {
        "@id": f"{site}/api/v1/platforms/{record['slug']}/",
        "@type": ["dcat:DataService" if service_url else "dcat:Resource", "adms:Asset"],
        "dct:identifier": record["slug"],
        "dct:title": record["name"],
        "dct:description": record["description"] or record["summary"],
        "dct:abstract": record["summary"],
        "dct:publisher": _organisation(site, record),
        "dcat:theme": [taxonomies.themes[slug] for slug in _slug_list(record["capability_slugs"])],
        "dcat:keyword": list(record["tags"] or []),
        "adms:status": {
            "@id": ADMS_STATUS + PHASE_STATUS[phase],
            "@type": "skos:Concept",
            "skos:prefLabel": phase.label,
        },
        "dct:issued": record["created_at"].isoformat(),
        "dct:modified": record["updated_at"].isoformat(),
    }
    landing = service_url or documentation_url
    if landing:
        node["dcat:landingPage"] = _document(landing)
    if service_url:
        node["dcat:endpointURL"] = {"@id": service_url, "@type": "rdfs:Resource"}
        if documentation_url:
            node["dcat:endpointDescription"] = {"@id": documentation_url, "@type": "rdfs:Resource"}
    elif documentation_url:
        node["foaf:page"] = _document(documentation_url)
    if record["licence"]:
        node["dct:license"] = {
            "@id": f"https://spdx.org/licenses/{record['licence']}",
            "@type": "dct:LicenseDocument",
        }
    if record["source_code_url"]:
        node["dct:source"] = {"@id": record["source_code_url"]}
    if record["contact_email"]:
        node["dcat:contactPoint"] = {
            "@type": ["vcard:Kind", "vcard:Organization"],
            "vcard:fn": record["owner__name"],
            "vcard:hasEmail": f"mailto:{record['contact_email']}",
        }
    standards = [taxonomies.standards[slug] for slug in _slug_list(record["standard_slugs"])]
    if standards:
        node["dct:conformsTo"] = standards
    return node


_PLATFORM_FIELDS = (
    "slug",
    "name",
    "summary",
    "description",
    "phase",
    "tags",
    "created_at",
    "updated_at",
    "service_url",
    "documentation_url",
    "licence",
    "source_code_url",
    "contact_email",
    "owner__slug",
    "owner__name",
    "owner__website",
)


def _platform_records(queryset) -> Iterator[dict[str, Any]]:
    """Published platforms as plain values from one query (their capability and standard slugs
    aggregated by the database), ``CHUNK_SIZE`` rows fetched at a time."""
    return (
        queryset.annotate(
            capability_slugs=joined_slugs(Platform.capabilities.through, "capability__slug"),
            standard_slugs=joined_slugs(Platform.standards.through, "standard__slug"),
        )
        .values(*_PLATFORM_FIELDS, "capability_slugs", "standard_slugs")
        .iterator(chunk_size=CHUNK_SIZE)
    )


def _catalogue_head(site_url: str | None) -> dict[str, Any]:
    site = _site(site_url)
    head: dict[str, Any] = {
        "@context": CONTEXT,
        "@id": catalogue_iri(site),
        "@type": "dcat:Catalog",
        "dct:title": TITLE,
        "dct:description": DESCRIPTION,
        "dct:publisher": {
            "@id": f"{site}/#publisher",
            "@type": "foaf:Agent",
            "foaf:name": TITLE,
            "foaf:homepage": _document(f"{site}/"),
        },
        "foaf:homepage": _document(f"{site}/"),
        "dct:language": {
            "@id": LANGUAGE,
            "@type": "dct:LinguisticSystem",
            "skos:inScheme": {"@id": LANGUAGE_TABLE},
        },
        "dcat:themeTaxonomy": theme_taxonomy(site),
    }
    modified = Platform.objects.published().aggregate(latest=Max("updated_at"))["latest"]
    if modified:
        head["dct:modified"] = modified.isoformat()
    return head


def stream_catalogue_jsonld(site_url: str | None = None) -> Iterator[str]:
    """The catalogue as JSON-LD text, piece by piece: the catalogue's own properties, then its
    services (``dcat:service``) and its other platforms (``dcat:resource``), one a line."""
    site = _site(site_url)
    head = json.dumps(_catalogue_head(site), indent=2, ensure_ascii=False)
    yield head[: -len("\n}")]
    taxonomies = _Taxonomies(site)
    # One platform a line, with the C encoder (an indent would mean the slower Python one).
    encode = json.JSONEncoder(ensure_ascii=False).encode
    published = Platform.objects.published().order_by("slug")
    for key, platforms in (
        ("dcat:service", published.exclude(service_url="")),
        ("dcat:resource", published.filter(service_url="")),
    ):
        yield f',\n  "{key}": ['
        first = True
        for record in _platform_records(platforms):
            node = encode(platform_node(record, site, taxonomies))
            yield ("\n    " if first else ",\n    ") + node
            first = False
        yield "]" if first else "\n  ]"
    yield "\n}\n"


def catalogue_jsonld(site_url: str | None = None) -> dict[str, Any]:
    """The published catalogue as a JSON-LD document (a dict ready for ``json.dumps``).

    IRIs are absolute: from ``site_url`` (e.g. ``request.build_absolute_uri("/")``) or else
    ``settings.SITE_URL``.
    """
    return json.loads("".join(stream_catalogue_jsonld(site_url)))
