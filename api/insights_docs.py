"""OpenAPI documentation of the insights endpoints (api/insights.py): summaries, parameters and
examples, kept apart so that the views stay short."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers

from api import insights_serializers as shapes
from api.schema import BASE, READ_ERRORS, _ex, errors
from api.serializers import ImpactSerializer
from platforms.models import Organisation
from platforms.selectors.contracts import (
    ALTERNATIVES_LISTED,
    DEFAULT_MONTHS,
    MAX_MONTHS,
    MAX_PAGE_SIZE,
    PAGE_SIZE,
)

TAG = ["Insights"]

DESCRIPTIONS = {
    "duplication": "Capabilities met by two or more platforms in service (beta, live or "
    "retiring), ranked by how many organisations are split across them.",
    "organisation_profile": "What an organisation owns, what it reuses and what it could reuse.",
    "platform_impact": "If a platform went down: every platform depending on it, transitively, "
    "and every organisation owning or using one of them.",
    "contracts": "Supplier contracts ending within a number of months, with the common "
    "platforms meeting the same capabilities.",
    "matrix": "Which organisation uses which platform; filters: capability, kind, parent; CSV.",
    "platform_trend": "A platform's adopters quarter by quarter.",
}

VISIBILITY = (
    " Counts and lists cover what you may see: published platforms, your organisations' drafts "
    "and, for administrators, everything; another organisation's draft never counts."
)


def _platform(slug: str, name: str) -> dict:
    return {"slug": slug, "name": name, "url": f"{BASE}/platforms/{slug}/"}


def _organisation(slug: str, name: str) -> dict:
    return {"slug": slug, "name": name, "url": f"{BASE}/organisations/{slug}/"}


def _capability(slug: str, name: str) -> dict:
    return {"slug": slug, "name": name, "url": f"{BASE}/capabilities/{slug}/"}


GDS = _organisation("government-digital-service", "Government Digital Service")
HMRC = _organisation("hm-revenue-customs", "HM Revenue & Customs")
NHSE = _organisation("nhs-england", "NHS England")
NOTIFY = _platform("govuk-notify", "GOV.UK Notify")
ONE_LOGIN = _platform("govuk-one-login", "GOV.UK One Login")
NOTIFICATIONS = _capability("notifications", "Notifications")

index = extend_schema(
    tags=TAG,
    summary="The insights, with their URLs",
    description="Every insight with what it answers and its URL ({slug}: a platform's or "
    "organisation's slug).",
    responses={
        200: inline_serializer(
            "InsightIndex",
            {
                "results": inline_serializer(
                    "InsightLink",
                    {
                        "name": serializers.CharField(),
                        "description": serializers.CharField(),
                        "url": serializers.CharField(),
                    },
                    many=True,
                )
            },
        ),
        **errors(),
    },
    examples=[
        _ex(
            "The insights",
            {
                "results": [
                    {
                        "name": "duplication",
                        "description": DESCRIPTIONS["duplication"],
                        "url": f"{BASE}/insights/duplication/",
                    },
                    {
                        "name": "platform_impact",
                        "description": DESCRIPTIONS["platform_impact"],
                        "url": f"{BASE}/insights/platforms/{{slug}}/impact/",
                    },
                ]
            },
            response_only=True,
        )
    ],
)


def _duplicate(platform, phase, owner, adopters, also, replaced_by=None) -> dict:
    return {
        "platform": platform,
        "phase": phase,
        "state": "published",
        "owner": owner,
        "adopters": adopters,
        "adopters_also_elsewhere": also,
        "replaced_by": replaced_by,
    }


DUPLICATION_EXAMPLE = {
    "count": 2,
    "results": [
        {
            "rank": 1,
            "capability": NOTIFICATIONS,
            "platforms_in_service": 2,
            "organisations": 207,
            "organisations_on_several": 1,
            "platforms_retired": 0,
            "platforms": [
                _duplicate(NOTIFY, "live", GDS, 206, 1),
                _duplicate(_platform("nhs-notify", "NHS Notify"), "live", NHSE, 0, 0),
            ],
            "replaced": [],
        },
        {
            "rank": 2,
            "capability": _capability("identity-and-access", "Identity and access"),
            "platforms_in_service": 2,
            "organisations": 2,
            "organisations_on_several": 0,
            "platforms_retired": 1,
            "platforms": [
                _duplicate(ONE_LOGIN, "beta", GDS, 0, 0),
                _duplicate(
                    _platform("government-gateway", "Government Gateway"),
                    "retiring",
                    HMRC,
                    0,
                    0,
                    ONE_LOGIN,
                ),
            ],
            "replaced": [
                _duplicate(
                    _platform("govuk-verify", "GOV.UK Verify"), "retired", GDS, 0, 0, ONE_LOGIN
                )
            ],
        },
    ],
}

duplication = extend_schema(
    tags=TAG,
    summary="Duplication: where government pays twice",
    description="Capabilities met by two or more platforms still in service (beta, live or "
    "retiring), most split first: organisations counts the organisations split across them "
    "(owners, and every organisation with one of them in use). Each lists its platforms in "
    "service with their owners and adopters (the 10 most adopted; platforms_in_service counts "
    "them all), and the retired platforms that met it with their replacement (the 10 most "
    "adopted of platforms_retired)." + VISIBILITY,
    responses={200: shapes.DuplicationResponseSerializer, **errors()},
    examples=[_ex("Notifications and identity", DUPLICATION_EXAMPLE, response_only=True)],
)

PROFILE_EXAMPLE = {
    "organisation": {
        **HMRC,
        "kind": "non_ministerial_department",
        "parent": None,
    },
    "summary": {"owns": 2, "reuses": 1, "could_reuse": 1},
    "owns": [
        {
            "platform": _platform("government-gateway", "Government Gateway"),
            "phase": "retiring",
            "state": "published",
            "capabilities": [_capability("identity-and-access", "Identity and access")],
            "reuse_count": 0,
        }
    ],
    "reuses": [
        {
            "platform": NOTIFY,
            "owner": GDS,
            "status": "in_use",
            "use_case": "",
            "start_date": None,
        }
    ],
    "could_reuse": [
        {
            "capability": _capability("hosting", "Hosting"),
            "own_platforms": [_platform("hmrc-mdtp", "HMRC Multi-channel Digital Tax Platform")],
            "alternatives": [
                {
                    "platform": _platform(
                        "moj-cloud-platform", "Ministry of Justice Cloud Platform"
                    ),
                    "owner": _organisation("ministry-of-justice", "Ministry of Justice"),
                    "reuse_count": 0,
                    "adoption_status": None,
                }
            ],
        }
    ],
}

SLUG = OpenApiParameter("slug", OpenApiTypes.STR, OpenApiParameter.PATH)

profile = extend_schema(
    tags=TAG,
    summary="An organisation's profile: owns, reuses, could reuse",
    description="The platforms it owns; the platforms owned elsewhere it has adoptions of (every "
    "status; summary.reuses counts those in use); and what it could reuse: each capability one "
    "of its own platforms in service meets that a live platform owned elsewhere also meets, with "
    "how many organisations already use that one and where this organisation stands with it "
    "(platforms it already has in use are left out)." + VISIBILITY,
    parameters=[SLUG],
    responses={200: shapes.ProfileSerializer, **errors(404)},
    examples=[_ex("HM Revenue & Customs", PROFILE_EXAMPLE, response_only=True)],
)

IMPACT_EXAMPLE = {
    "platform": NOTIFY,
    "count": 1,
    "next": None,
    "previous": None,
    "dependents": [
        {
            "platform": _platform("govuk-forms", "GOV.UK Forms"),
            "owner": GDS,
            "depth": 1,
            "depends_on": ["govuk-notify"],
            "path": ["govuk-notify", "govuk-forms"],
        }
    ],
    "organisations_count": 1,
    "organisations_affected": [
        {
            "organisation": GDS,
            "owns_count": 1,
            "uses_count": 0,
            "owns": ["govuk-forms"],
            "uses": [],
        }
    ],
    "cycles": [],
    "by_depth": [{"depth": 1, "platforms": 1}],
    "truncated": False,
    "max_depth": 25,
}


# The dependents' pages: the whole analysis is bounded in size whatever the graph.
def _page(page_size: str, offset: str) -> list[OpenApiParameter]:
    """A page's two parameters (``page_size``, ``offset``), described for one endpoint."""
    return [
        OpenApiParameter("page_size", {"type": "integer", "minimum": 1}, description=page_size),
        OpenApiParameter("offset", {"type": "integer", "minimum": 0}, description=offset),
    ]


IMPACT_PAGE = _page(
    "Dependents per page (default 100; larger values are reduced to 100).",
    "How many dependents to skip (follow the next link).",
)

impact = extend_schema(
    tags=TAG,
    summary="Impact: who is hit if a platform goes down",
    description="Every platform depending on it directly or through others (depth, and one "
    "shortest path), a page at a time (count, next, previous), nearest first; how many "
    "organisations own one of them or have one in use, and the 50 hit hardest (owns_count, "
    "uses_count, and up to 10 slugs of each). A dependency cycle is reported in cycles and never "
    "followed round; a chain deeper than max_depth, or reaching more than 20,000 platforms, is "
    "cut short (truncated). The same as /platforms/{slug}/dependents/." + VISIBILITY,
    parameters=[SLUG, *IMPACT_PAGE],
    responses={200: ImpactSerializer, **errors(400, 404)},
    examples=[_ex("GOV.UK Notify", IMPACT_EXAMPLE, response_only=True)],
)

CONTRACTS_EXAMPLE = {
    "within_months": 18,
    "from": "2026-11-28",
    "until": "2028-05-28",
    "count": 1,
    "next": None,
    "previous": None,
    "by_quarter": [{"quarter": "2027-Q2", "contracts": 1}],
    "results": [
        {
            "platform": _platform("departmental-notifications", "Departmental notifications"),
            "owner": _organisation("department-for-transport", "Department for Transport"),
            "phase": "live",
            "supplier": "Example Messaging Ltd",
            "contract_end_date": "2027-06-30",
            "capabilities": [NOTIFICATIONS],
            "alternatives_count": 1,
            "alternatives": [
                {
                    "platform": NOTIFY,
                    "owner": GDS,
                    "phase": "live",
                    "reuse_count": 206,
                    "shared_capabilities": ["notifications"],
                }
            ],
        }
    ],
}

contracts = extend_schema(
    tags=TAG,
    summary="Contracts ending soon, and what could replace them",
    description="Platforms (not retired) whose supplier contract ends from today to within "
    "months later, soonest first, a page at a time, each with the number of beta and live "
    f"platforms meeting one of its capabilities and the first {ALTERNATIVES_LISTED} of them "
    "(most reused first, then by name), and the count per quarter." + VISIBILITY,
    parameters=[
        OpenApiParameter(
            "within",
            {"type": "integer", "minimum": 0, "maximum": MAX_MONTHS},
            description=f"Months ahead, 0 to {MAX_MONTHS}; default {DEFAULT_MONTHS}. Anything "
            "else is a 400.",
        ),
        *_page(
            f"Contracts per page, 1 to {MAX_PAGE_SIZE} (a larger number gives {MAX_PAGE_SIZE}); "
            f"default {PAGE_SIZE}.",
            "Contracts to skip, soonest first; default 0.",
        ),
    ],
    responses={200: shapes.ContractsResponseSerializer, **errors(*READ_ERRORS)},
    examples=[_ex("A contract ending in 2027", CONTRACTS_EXAMPLE, response_only=True)],
)

MATRIX_EXAMPLE = {
    "platforms_count": 1,
    "platforms_used": 1,
    "organisations_count": 1,
    "next": None,
    "previous": None,
    "platforms": [
        {
            "platform": NOTIFY,
            "phase": "live",
            "owner": GDS,
            "organisations": 2,
            "in_use": 1,
        }
    ],
    "organisations": [
        {
            "organisation": _organisation("driver-and-vehicle-standards-agency", "DVSA"),
            "kind": "executive_agency",
            "parent": _organisation("department-for-transport", "Department for Transport"),
            "platforms": 1,
            "in_use": 1,
        }
    ],
    "cells": [
        {
            "organisation": "driver-and-vehicle-standards-agency",
            "platform": "govuk-notify",
            "status": "in_use",
            "adoptions": 1,
        }
    ],
}

matrix = extend_schema(
    tags=TAG,
    summary="The organisation x platform adoption matrix",
    description="Columns: the platforms (meeting the capability filter) with the most "
    "organisations, `columns` of them (platforms_count and platforms_used say how many there "
    "are); rows: organisations with at least one adoption of them (of the kinds, under the "
    "parent), by name, a page at a time (organisations_count, next, previous); cells: the most "
    "advanced status of the organisation's adoptions of the platform, for the page's rows. With "
    "format=csv: the same page, one row per organisation, one column per platform slug holding "
    "the status. Unknown filter values are a 400 listing the allowed ones." + VISIBILITY,
    parameters=[
        OpenApiParameter(
            "capability",
            {"type": "array", "items": {"type": "string"}},
            explode=True,
            description="Capability slugs: only platforms meeting one of them. Repeat the "
            "parameter or separate with commas.",
        ),
        OpenApiParameter(
            "kind",
            {"type": "array", "items": {"type": "string", "enum": Organisation.Kind.values}},
            explode=True,
            description="Organisation kinds: only organisations of one of them.",
        ),
        OpenApiParameter(
            "parent",
            OpenApiTypes.STR,
            description="An organisation's slug: only it and every body beneath it, at any "
            "depth (a department and its agencies).",
        ),
        OpenApiParameter(
            "columns",
            {"type": "integer", "minimum": 1},
            description="How many platforms, most used first (default 50, at most 100).",
        ),
        *_page("Rows a page (default and most 100).", "The first row (from 0)."),
        OpenApiParameter(
            "format",
            OpenApiTypes.STR,
            enum=["json", "csv"],
            description="csv: one row per organisation, a column per platform.",
        ),
    ],
    responses={
        (200, "application/json"): shapes.MatrixSerializer,
        (200, "text/csv"): OpenApiTypes.STR,
        **{(code, "application/json"): response for code, response in errors(400, 404).items()},
    },
    examples=[_ex("Notify in the Department for Transport", MATRIX_EXAMPLE, response_only=True)],
)

TREND_EXAMPLE = {
    "platform": NOTIFY,
    "owner": GDS,
    "series": [
        {"quarter": "2019-Q1", "started": 180, "ended": 0, "in_use": 180},
        {"quarter": "2019-Q2", "started": 26, "ended": 1, "in_use": 205},
    ],
    "undated": 0,
}

trend = extend_schema(
    tags=TAG,
    summary="A platform's adoption trend per quarter",
    description="Organisations other than its owner using it, quarter by quarter without gaps: "
    "started, ended and in use at the quarter's end. An organisation counts from its earliest "
    "adoption's start date (or, when none is recorded, the date of the evidence that says it "
    "uses the platform) until its last adoption ended; organisations the records do not date "
    "are counted in undated, never guessed.",
    parameters=[SLUG],
    responses={200: shapes.TrendSerializer, **errors(404)},
    examples=[_ex("GOV.UK Notify", TREND_EXAMPLE, response_only=True)],
)
