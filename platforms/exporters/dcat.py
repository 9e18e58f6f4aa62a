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

The document streams (:func:`stream_catalogue_jsonld`): platforms are read in chunks, so its size
is not held in memory.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db.models import Max, Prefetch

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
CHUNK_SIZE = 1000


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


def _organisation(site: str, organisation) -> dict[str, Any]:
    node: dict[str, Any] = {
        "@id": f"{site}/api/v1/organisations/{organisation.slug}/",
        "@type": ["foaf:Agent", "foaf:Organization"],
        "foaf:name": organisation.name,
    }
    if organisation.website:
        node["foaf:homepage"] = _document(organisation.website)
    return node


def _theme(site: str, capability: Capability) -> dict[str, Any]:
    return {
        "@id": f"{site}/api/v1/capabilities/{capability.slug}/",
        "@type": "skos:Concept",
        "skos:prefLabel": capability.name,
        "skos:inScheme": {"@id": f"{site}/api/v1/capabilities/"},
    }


def _standard(site: str, standard: Standard) -> dict[str, Any]:
    return {
        "@id": standard.url or f"{site}/api/v1/standards/{standard.slug}/",
        "@type": "dct:Standard",
        "dct:title": standard.name,
    }


def platform_node(platform: Platform, site_url: str | None = None) -> dict[str, Any]:
    """One platform: a ``dcat:DataService`` when it has a service URL (its endpoint), otherwise a
    ``dcat:Resource``; an ``adms:Asset`` either way."""
    site = _site(site_url)
    kind = "dcat:DataService" if platform.service_url else "dcat:Resource"
    node: dict[str, Any] = {
        "@id": f"{site}/api/v1/platforms/{platform.slug}/",
        "@type": [kind, "adms:Asset"],
        "dct:identifier": platform.slug,
        "dct:title": platform.name,
        "dct:description": platform.description or platform.summary,
        "dct:abstract": platform.summary,
        "dct:publisher": _organisation(site, platform.owner),
        "dcat:theme": [_theme(site, c) for c in platform.capabilities.all()],
        "dcat:keyword": list(platform.tags),
        "adms:status": {
            "@id": ADMS_STATUS + PHASE_STATUS[platform.phase],
            "@type": "skos:Concept",
            "skos:prefLabel": platform.get_phase_display(),
        },
        "dct:issued": platform.created_at.isoformat(),
        "dct:modified": platform.updated_at.isoformat(),
    }
    landing = platform.service_url or platform.documentation_url
    if landing:
        node["dcat:landingPage"] = _document(landing)
    if platform.service_url:
        node["dcat:endpointURL"] = {"@id": platform.service_url, "@type": "rdfs:Resource"}
        if platform.documentation_url:
            node["dcat:endpointDescription"] = {
                "@id": platform.documentation_url,
                "@type": "rdfs:Resource",
            }
    elif platform.documentation_url:
        node["foaf:page"] = _document(platform.documentation_url)
    if platform.licence:
        node["dct:license"] = {
            "@id": f"https://spdx.org/licenses/{platform.licence}",
            "@type": "dct:LicenseDocument",
        }
    if platform.source_code_url:
        node["dct:source"] = {"@id": platform.source_code_url}
    if platform.contact_email:
        node["dcat:contactPoint"] = {
            "@type": ["vcard:Kind", "vcard:Organization"],
            "vcard:fn": platform.owner.name,
            "vcard:hasEmail": f"mailto:{platform.contact_email}",
        }
    standards = [_standard(site, s) for s in platform.standards.all()]
    if standards:
        node["dct:conformsTo"] = standards
    return node


def _platforms():
    return (
        Platform.objects.published()
        .select_related("owner")
        .prefetch_related(
            Prefetch("capabilities", queryset=Capability.objects.order_by("slug")),
            Prefetch("standards", queryset=Standard.objects.order_by("slug")),
        )
        .defer("search_vector")
        .order_by("slug")
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
    services (``dcat:service``) and its other platforms (``dcat:resource``), read in chunks."""
    site = _site(site_url)
    head = json.dumps(_catalogue_head(site), indent=2, ensure_ascii=False)
    yield head[: -len("\n}")]
    with_endpoint = _platforms().exclude(service_url="")
    for key, platforms in (
        ("dcat:service", with_endpoint),
        ("dcat:resource", _platforms().filter(service_url="")),
    ):
        yield f',\n  "{key}": ['
        first = True
        for platform in platforms.iterator(chunk_size=CHUNK_SIZE):
            node = json.dumps(platform_node(platform, site), indent=2, ensure_ascii=False)
            yield ("\n    " if first else ",\n    ") + node.replace("\n", "\n    ")
            first = False
        yield "]" if first else "\n  ]"
    yield "\n}\n"


def catalogue_jsonld(site_url: str | None = None) -> dict[str, Any]:
    """The published catalogue as a JSON-LD document (a dict ready for ``json.dumps``).

    IRIs are absolute: from ``site_url`` (e.g. ``request.build_absolute_uri("/")``) or else
    ``settings.SITE_URL``.
    """
    return json.loads("".join(stream_catalogue_jsonld(site_url)))
