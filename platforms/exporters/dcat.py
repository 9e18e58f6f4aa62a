"""The published catalogue as DCAT-AP / ADMS JSON-LD: one ``dcat:Catalog`` whose services are the
platforms, each a ``dcat:DataService`` and an ``adms:Asset``.

Vocabularies: DCAT 2 (http://www.w3.org/ns/dcat#), Dublin Core terms, ADMS and its status
vocabulary (http://purl.org/adms/status/), FOAF for organisations, vCard for contact points and
SKOS for themes. Licences are SPDX licence IRIs.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Max

from platforms.models import Platform

CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "adms": "http://www.w3.org/ns/adms#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "dct:modified": {"@type": "xsd:dateTime"},
    "dct:issued": {"@type": "xsd:dateTime"},
    "dcat:landingPage": {"@type": "@id"},
    "dcat:endpointURL": {"@type": "@id"},
    "dcat:endpointDescription": {"@type": "@id"},
    "dct:license": {"@type": "@id"},
    "dct:source": {"@type": "@id"},
    "foaf:homepage": {"@type": "@id"},
    "vcard:hasEmail": {"@type": "@id"},
}

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


def _iri(base_url: str, path: str) -> str:
    return f"{base_url.rstrip('/')}{path}"


def _organisation(base_url: str, organisation) -> dict[str, Any]:
    node: dict[str, Any] = {
        "@id": _iri(base_url, f"/api/v1/organisations/{organisation.slug}/"),
        "@type": "foaf:Organization",
        "foaf:name": organisation.name,
    }
    if organisation.website:
        node["foaf:homepage"] = organisation.website
    return node


def platform_node(platform: Platform, base_url: str = "") -> dict[str, Any]:
    """One platform as a ``dcat:DataService`` / ``adms:Asset``."""
    node: dict[str, Any] = {
        "@id": _iri(base_url, f"/api/v1/platforms/{platform.slug}/"),
        "@type": ["dcat:DataService", "adms:Asset"],
        "dct:identifier": platform.slug,
        "dct:title": platform.name,
        "dct:description": platform.description or platform.summary,
        "dct:abstract": platform.summary,
        "dct:publisher": _organisation(base_url, platform.owner),
        "dcat:theme": [
            {
                "@id": _iri(base_url, f"/api/v1/capabilities/{c.slug}/"),
                "@type": "skos:Concept",
                "skos:prefLabel": c.name,
            }
            for c in platform.capabilities.all()
        ],
        "dcat:keyword": list(platform.tags),
        "adms:status": {
            "@id": ADMS_STATUS + PHASE_STATUS[platform.phase],
            "skos:prefLabel": platform.get_phase_display(),
        },
        "dct:issued": platform.created_at.isoformat(),
        "dct:modified": platform.updated_at.isoformat(),
    }
    landing = platform.service_url or platform.documentation_url
    if landing:
        node["dcat:landingPage"] = landing
    if platform.service_url:
        node["dcat:endpointURL"] = platform.service_url
    if platform.documentation_url:
        node["dcat:endpointDescription"] = platform.documentation_url
    if platform.licence:
        node["dct:license"] = f"https://spdx.org/licenses/{platform.licence}"
    if platform.source_code_url:
        node["dct:source"] = platform.source_code_url
    if platform.contact_email:
        node["dcat:contactPoint"] = {
            "@type": "vcard:Organization",
            "vcard:fn": platform.owner.name,
            "vcard:hasEmail": f"mailto:{platform.contact_email}",
        }
    if platform.standards.all():
        node["dct:conformsTo"] = [
            {"@id": s.url or _iri(base_url, f"/api/v1/standards/{s.slug}/"), "dct:title": s.name}
            for s in platform.standards.all()
        ]
    return node


def catalogue_jsonld(base_url: str = "") -> dict[str, Any]:
    """The published catalogue as a JSON-LD document (a dict ready for ``json.dumps``).

    ``base_url`` (e.g. ``request.build_absolute_uri("/")``) makes the node IRIs absolute; without
    it they are relative to the document.
    """
    platforms = (
        Platform.objects.published()
        .select_related("owner")
        .prefetch_related("capabilities", "standards")
        .order_by("slug")
    )
    modified = Platform.objects.published().aggregate(latest=Max("updated_at"))["latest"]
    catalogue: dict[str, Any] = {
        "@context": CONTEXT,
        "@id": _iri(base_url, "/api/v1/catalogue.jsonld"),
        "@type": "dcat:Catalog",
        "dct:title": "Cross-government common technology platforms",
        "dct:description": (
            "Shared platforms and reusable components run by UK government organisations for "
            "others to reuse, with who runs them, what they do and who uses them."
        ),
        "dct:language": {"@id": "http://publications.europa.eu/resource/authority/language/ENG"},
        "dcat:service": [platform_node(p, base_url) for p in platforms],
    }
    if modified:
        catalogue["dct:modified"] = modified.isoformat()
    return catalogue
