"""OpenAPI documentation for the endpoints: summaries, examples and the error responses.

Kept apart from the views so that the views stay short enough to read at once.
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema

from api import serializers
from api.exceptions import ErrorSerializer, error_body
from platforms.models import Adoption, Dependency, Platform
from platforms.search.base import COUNT_CAP

BASE = "http://127.0.0.1:8000/api/v1"

# --- errors ----------------------------------------------------------------------------------

_ERRORS = {
    400: (
        "The input is not valid (a field, a filter value, a cursor).",
        error_body(
            400,
            "invalid",
            "The request is not valid. phase: “banana” is not one of the allowed values: "
            "discovery, alpha, beta, live, retiring, retired.",
            {
                "phase": [
                    "“banana” is not one of the allowed values: discovery, alpha, beta, live, "
                    "retiring, retired."
                ]
            },
        ),
    ),
    401: (
        "No credentials were sent (or the token is wrong).",
        error_body(
            401,
            "not_authenticated",
            "Authentication credentials were not provided. Send 'Authorization: Token "
            "<your token>'.",
        ),
    ),
    403: (
        "You are signed in but may not do this.",
        error_body(
            403,
            "permission_denied",
            "You cannot change GOV.UK Pay: it belongs to Government Digital Service.",
        ),
    ),
    404: ("There is nothing here you can see.", error_body(404, "not_found", "Not found.")),
    409: (
        "The record is not in a state that allows this.",
        error_body(409, "invalid_state", "Cannot publish GOV.UK Notify: it is draft."),
    ),
    412: (
        "The record changed since you read it (If-Match).",
        error_body(
            412,
            "stale_version",
            "This record has changed since you loaded it (you had version 3, it is now "
            "version 4). Reload it and apply your change again.",
        ),
    ),
    413: (
        "The request body is larger than the API accepts.",
        error_body(
            413,
            "too_large",
            "The request body is 6291456 bytes; the most this API accepts is 5242880 bytes.",
        ),
    ),
    415: (
        "The body is not in a format the API reads: send application/json.",
        error_body(
            415, "unsupported_media_type", 'Unsupported media type "text/plain" in request.'
        ),
    ),
    429: (
        "Too many requests; try again after Retry-After seconds.",
        error_body(429, "throttled", "Request was throttled. Expected available in 20 seconds."),
    ),
}


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    return {
        code: OpenApiResponse(
            response=ErrorSerializer,
            description=_ERRORS[code][0],
            examples=[OpenApiExample(f"{code} error", value=_ERRORS[code][1])],
        )
        for code in (*codes, 429)
    }


def json_errors(*codes: int) -> dict:
    """As ``errors``, for an endpoint whose success is not JSON: its errors still are."""
    return {(code, "application/json"): response for code, response in errors(*codes).items()}


READ_ERRORS = (400, 404)
WRITE_ERRORS = (400, 401, 403, 404, 413, 415)

FORMAT = OpenApiParameter(
    "format",
    OpenApiTypes.STR,
    enum=["json", "csv"],
    description="csv: every result the filters select (not paged), one row each, nested "
    "objects flattened (owner.slug, ...); a cell beginning with = + - @ gets a leading '.",
)


def _slug_filter(name: str, description: str) -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.STR, description=description)


def _choice_filter(name: str, choices, description: str) -> OpenApiParameter:
    return OpenApiParameter(
        name,
        {"type": "array", "items": {"type": "string", "enum": [v for v, _label in choices]}},
        description=description + " Repeat the parameter or separate with commas.",
        explode=True,
    )


# The filters a nested list takes (the same as its top-level list, less what the URL fixes).
NESTED_ADOPTION_STATUS = _choice_filter("status", Adoption.Status.choices, "Adoption status.")
NESTED_DEPENDENCY_KIND = _choice_filter("kind", Dependency.Kind.choices, "Dependency kind.")
IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    description='The ETag you read, e.g. "3": the change is refused (412) if the record has '
    "changed since.",
)
OWNER_OF_SLUG = OpenApiParameter(
    "owner",
    OpenApiTypes.STR,
    description="The owning organisation's slug, to pick among the platforms you can see that "
    "share this slug (a slug is unique among published platforms and within an organisation: "
    "without owner it names the published one, else your organisation's).",
)
IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match",
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    description='The ETag you hold, e.g. "3": 304 Not Modified if it is still current.',
)
NOT_MODIFIED = {304: OpenApiResponse(description="Not modified: your copy is current.")}
NO_CONTENT = {204: OpenApiResponse(description="Deleted.")}

# --- examples --------------------------------------------------------------------------------


def _org(slug: str, name: str) -> dict:
    return {"slug": slug, "name": name, "url": f"{BASE}/organisations/{slug}/"}


GDS = _org("government-digital-service", "Government Digital Service")
NOTIFY = {
    "url": f"{BASE}/platforms/govuk-notify/",
    "slug": "govuk-notify",
    "name": "GOV.UK Notify",
    "summary": "Send emails, text messages and letters to users of your service.",
    "owner": GDS,
    "capabilities": [
        {
            "slug": "notifications",
            "name": "Notifications",
            "url": f"{BASE}/capabilities/notifications/",
        }
    ],
    "standards": [],
    "phase": "live",
    "state": "published",
    "replaced_by": None,
    "service_url": "https://www.notifications.service.gov.uk/",
    "documentation_url": "https://docs.notifications.service.gov.uk/",
    "source_code_url": "https://github.com/alphagov/notifications-api",
    "is_open_source": True,
    "licence": "MIT",
    "supplier": "In-house",
    "contract_end_date": None,
    "data_classification": "official",
    "handles_personal_data": True,
    "pricing_model": "free",
    "hosting": "AWS",
    "contact_email": "notify-support@digital.cabinet-office.gov.uk",
    "tags": ["email", "sms", "letters"],
    "reuse_count": 812,
    "created_at": "2025-01-06T09:00:00Z",
    "updated_at": "2025-03-10T14:21:07Z",
    "version": 3,
}
NEW_PLATFORM = {
    "name": "Departmental case tracker",
    "summary": "Track casework across teams in the department.",
    "owner": "government-digital-service",
    "capabilities": ["case-management"],
    "phase": "alpha",
    "is_open_source": True,
    "licence": "MIT",
}
ADOPTION = {
    "url": f"{BASE}/adoptions/42/",
    "id": 42,
    "platform": {"slug": "govuk-pay", "name": "GOV.UK Pay", "url": f"{BASE}/platforms/govuk-pay/"},
    "organisation": _org("hm-land-registry", "HM Land Registry"),
    "status": "in_use",
    "use_case": "Search fees",
    "start_date": "2019-04-01",
    "end_date": None,
    "notes": "",
    "evidence_source": "GOV.UK Pay: services using Pay",
    "evidence_url": "https://www.payments.service.gov.uk/",
    "evidence_date": "2025-01-01",
    "evidence_name": "HM Land Registry",
    "version": 1,
    "created_at": "2025-01-06T09:00:00Z",
    "updated_at": "2025-01-06T09:00:00Z",
}


def _ex(name: str, value, **kwargs) -> OpenApiExample:
    return OpenApiExample(name, value=value, **kwargs)


HISTORY_ENTRY = {
    "id": 118,
    "version": 4,
    "changed_at": "2025-03-10T14:21:07Z",
    "changed_by": "an editor of Government Digital Service",
    "change_type": "changed",
    "changes": [
        {"field": "capabilities", "old": ["notifications"], "new": ["notifications", "forms"]},
        {"field": "phase", "old": "beta", "new": "live"},
    ],
}


def history_docs(thing: str, tag: list[str]):
    return extend_schema(
        tags=tag,
        summary=f"Change history of {thing}",
        description="Every change, newest first, in cursor pages: who made it (a username for "
        "catalogue administrators and members of the organisation the person acted for, 'an "
        "editor of <organisation>' for everyone else, null for the system), when, and what "
        "changed since the entry before (related records as slugs). Visible to whoever can see "
        "the record.",
        filters=False,
        responses={200: serializers.HistoryEntrySerializer(many=True), **errors(*READ_ERRORS)},
        examples=[_ex("A change", HISTORY_ENTRY, response_only=True)],
    )


# --- per resource ----------------------------------------------------------------------------


def taxonomy_docs(singular: str, plural: str, serializer) -> dict:
    tag = [plural.capitalize()]
    example = {"slug": "payments", "name": "Payments", "description": "Take payments online."}
    if singular == "standard":
        example = {
            "slug": "openapi-3",
            "name": "OpenAPI 3",
            "specification_url": "https://spec.openapis.org/oas/v3.1.0",
            "description": "Describe HTTP APIs.",
        }
    write = {"examples": [_ex(f"A {singular}", example, request_only=True)]}
    return {
        "list": extend_schema(
            tags=tag,
            summary=f"List {plural}",
            description=f"All {plural}, by name, in limit/offset pages with a total count.",
            parameters=[FORMAT],
            responses={200: serializer(many=True), **errors(*READ_ERRORS)},
            examples=[_ex(f"{plural} page", example, response_only=True)],
        ),
        "retrieve": extend_schema(
            tags=tag,
            summary=f"Get a {singular}",
            description=f"One {singular}, by slug.",
            responses={200: serializer, **errors(404)},
            examples=[_ex(f"A {singular}", example, response_only=True)],
        ),
        "create": extend_schema(
            tags=tag,
            summary=f"Add a {singular}",
            description="Catalogue administrators only.",
            responses={201: serializer, **errors(*WRITE_ERRORS)},
            examples=write["examples"],
        ),
        "update": extend_schema(
            tags=tag,
            summary=f"Replace a {singular}",
            description="Catalogue administrators only.",
            responses={200: serializer, **errors(*WRITE_ERRORS)},
            examples=write["examples"],
        ),
        "partial_update": extend_schema(
            tags=tag,
            summary=f"Change a {singular}",
            description="Catalogue administrators only.",
            responses={200: serializer, **errors(*WRITE_ERRORS)},
            examples=write["examples"],
        ),
        "destroy": extend_schema(
            tags=tag,
            summary=f"Delete a {singular}",
            description="Catalogue administrators only.",
            responses={**NO_CONTENT, **errors(*WRITE_ERRORS)},
        ),
    }


ORGANISATION = {
    "url": f"{BASE}/organisations/government-digital-service/",
    "slug": "government-digital-service",
    "name": "Government Digital Service",
    "abbreviation": "GDS",
    "kind": "sub_organisation",
    "status": "live",
    "parent": _org("department-for-science-innovation-and-technology", "DSIT"),
    "superseded_by": None,
    "website": "https://www.gov.uk/government/organisations/government-digital-service",
    "govuk_url": "https://www.gov.uk/government/organisations/government-digital-service",
    "owned_platform_count": 9,
    "adoption_count": 2,
    "platforms_url": f"{BASE}/organisations/government-digital-service/platforms/",
    "adoptions_url": f"{BASE}/organisations/government-digital-service/adoptions/",
    "created_at": "2025-01-06T09:00:00Z",
    "updated_at": "2025-01-06T09:00:00Z",
}


def organisation_docs() -> dict:
    tag = ["Organisations"]
    org_write = {
        "slug": "example-agency",
        "name": "Example Agency",
        "kind": "executive_agency",
        "parent": "government-digital-service",
    }
    write = {
        "tags": tag,
        "description": "Catalogue administrators only. parent and superseded_by are slugs.",
        "responses": {200: serializers.OrganisationSerializer, **errors(*WRITE_ERRORS)},
        "examples": [_ex("An organisation", org_write, request_only=True)],
    }
    return {
        "list": extend_schema(
            tags=tag,
            summary="List organisations",
            description="Government bodies, by name, in cursor pages. Counts are of published "
            "platforms only.",
            parameters=[FORMAT],
            responses={200: serializers.OrganisationSerializer(many=True), **errors(*READ_ERRORS)},
            examples=[_ex("Organisations", ORGANISATION, response_only=True)],
        ),
        "retrieve": extend_schema(
            tags=tag,
            summary="Get an organisation",
            description="One organisation, by slug.",
            responses={200: serializers.OrganisationSerializer, **errors(404)},
            examples=[_ex("GDS", ORGANISATION, response_only=True)],
        ),
        "create": extend_schema(
            summary="Add an organisation",
            **{
                **write,
                "responses": {201: serializers.OrganisationSerializer, **errors(*WRITE_ERRORS)},
            },
        ),
        "update": extend_schema(summary="Replace an organisation", **write),
        "partial_update": extend_schema(summary="Change an organisation", **write),
        "destroy": extend_schema(
            tags=tag,
            summary="Delete an organisation",
            description="Catalogue administrators only; refused (409) while platforms, "
            "adoptions or other organisations refer to it.",
            responses={**NO_CONTENT, **errors(*WRITE_ERRORS, 409)},
        ),
        "platforms": extend_schema(
            tags=tag,
            summary="Platforms an organisation owns",
            description="The platforms it owns that you can see, by name, in cursor pages.",
            filters=False,
            parameters=[
                FORMAT,
                _choice_filter("phase", Platform.Phase.choices, "Lifecycle phase."),
                _slug_filter("capability", "Capability slug."),
                _slug_filter("standard", "Standard slug."),
            ],
            responses={
                200: serializers.PlatformListSerializer(many=True),
                **errors(*READ_ERRORS),
            },
            examples=[_ex("GDS platforms", NOTIFY, response_only=True)],
        ),
        "organisation_adoptions": extend_schema(
            tags=tag,
            summary="Platforms an organisation reuses",
            description="Its adoptions of the platforms you can see, in cursor pages.",
            filters=False,
            parameters=[FORMAT, NESTED_ADOPTION_STATUS, _slug_filter("platform", "Platform slug.")],
            responses={200: serializers.AdoptionSerializer(many=True), **errors(*READ_ERRORS)},
            examples=[_ex("Adoptions", ADOPTION, response_only=True)],
        ),
    }


def platform_docs() -> dict:
    tag = ["Platforms"]
    detail = serializers.PlatformDetailSerializer
    action_errors = errors(*WRITE_ERRORS, 409)
    from api.insights_docs import IMPACT_EXAMPLE as impact
    from api.insights_docs import IMPACT_PAGE

    return {
        "list": extend_schema(
            tags=tag,
            summary="List platforms",
            description="Published platforms (and your organisations' drafts), compact, in "
            "cursor pages, by name. Filters combine with AND; an unknown filter value is a 400 "
            "that lists the allowed values.\n\nWith q the list is searched and ranked as "
            "/search/ ranks it (best first; an ordering parameter replaces the ranking), and "
            "comes in page_size/offset pages with a count instead of cursor pages: a relevance "
            "score is not a stable cursor position. Use /search/ for scores, highlights and "
            "facets.",
            parameters=[FORMAT],
            responses={200: serializers.PlatformListSerializer(many=True), **errors(*READ_ERRORS)},
            examples=[
                _ex(
                    "Platforms",
                    NOTIFY,
                    response_only=True,
                )
            ],
        ),
        "retrieve": extend_schema(
            tags=tag,
            summary="Get a platform",
            description="The full record. The ETag header holds the version; send it back in "
            "If-None-Match for a 304, or in If-Match when you change the record.",
            parameters=[IF_NONE_MATCH],
            responses={
                200: serializers.PlatformDetailSerializer,
                **NOT_MODIFIED,
                **errors(*READ_ERRORS),
            },
            examples=[_ex("GOV.UK Notify", NOTIFY, response_only=True)],
        ),
        "create": extend_schema(
            tags=tag,
            summary="Register a platform",
            description="Registers a draft for an organisation you are a member of "
            "(403 otherwise). owner, capabilities, standards and replaced_by are slugs.",
            responses={201: detail, **errors(*WRITE_ERRORS, 409)},
            examples=[_ex("A new platform", NEW_PLATFORM, request_only=True)],
        ),
        "update": extend_schema(
            tags=tag,
            summary="Replace a platform's details",
            description="Members of the owner only. With If-Match, a change made since you "
            "read the record is refused with 412.",
            parameters=[IF_MATCH],
            responses={200: detail, **errors(*WRITE_ERRORS, 409, 412)},
            examples=[_ex("Details", NEW_PLATFORM, request_only=True)],
        ),
        "partial_update": extend_schema(
            tags=tag,
            summary="Change some of a platform's details",
            description="As PUT, for the fields sent.",
            parameters=[IF_MATCH],
            responses={200: detail, **errors(*WRITE_ERRORS, 409, 412)},
            examples=[_ex("New phase", {"phase": "beta"}, request_only=True)],
        ),
        "destroy": extend_schema(
            tags=tag,
            summary="Delete a platform",
            description="Only a platform nobody uses or depends on; otherwise 409: retire it.",
            responses={**NO_CONTENT, **errors(*WRITE_ERRORS, 409)},
        ),
        "submit": extend_schema(
            tags=tag,
            summary="Submit a draft for review",
            description="Members of the owner. draft -> in_review; 409 from any other state.",
            request=None,
            responses={200: detail, **action_errors},
        ),
        "publish": extend_schema(
            tags=tag,
            summary="Publish a submitted platform",
            description="Reviewers of the owner and administrators. in_review -> published.",
            request=None,
            responses={200: detail, **action_errors},
        ),
        "reject": extend_schema(
            tags=tag,
            summary="Send a submission back to draft",
            description="Reviewers of the owner and administrators, with a reason.",
            request=serializers.RejectSerializer,
            responses={200: detail, **action_errors},
            examples=[_ex("Reason", {"reason": "Add the contract end date."}, request_only=True)],
        ),
        "retire": extend_schema(
            tags=tag,
            summary="Retire a platform",
            description="Members of the owner. retiring=true keeps it running but closed to "
            "new adopters; replaced_by names what to use instead.",
            request=serializers.RetireSerializer,
            responses={200: detail, **action_errors},
            examples=[
                _ex("Replaced", {"replaced_by": "govuk-pay", "retiring": True}, request_only=True)
            ],
        ),
        "adoptions": extend_schema(
            tags=tag,
            summary="Who uses a platform",
            description="Its adoptions, in cursor pages.",
            filters=False,
            parameters=[
                FORMAT,
                NESTED_ADOPTION_STATUS,
                _slug_filter("organisation", "Adopting organisation's slug."),
            ],
            responses={200: serializers.AdoptionSerializer(many=True), **errors(*READ_ERRORS)},
            examples=[_ex("Adoptions", ADOPTION, response_only=True)],
        ),
        "dependencies": extend_schema(
            tags=tag,
            summary="What a platform depends on",
            description="Its direct dependencies, in cursor pages.",
            filters=False,
            parameters=[
                FORMAT,
                NESTED_DEPENDENCY_KIND,
                _slug_filter("depends_on", "Slug of the platform depended on."),
            ],
            responses={
                200: serializers.DependencySerializer(many=True),
                **errors(*READ_ERRORS),
            },
        ),
        "history": history_docs("a platform", tag),
        "dependents": extend_schema(
            tags=tag,
            summary="Impact analysis: what depends on a platform",
            description="Every platform that depends on it, directly or through others "
            "(depth), a page at a time (page_size, offset; count, next, previous), and the "
            "organisations affected (owners and in-use adopters of those platforms): how many, "
            "and the 50 hit hardest. Only platforms you can see are followed. The same as "
            "/insights/platforms/{slug}/impact/.",
            filters=False,
            parameters=IMPACT_PAGE,
            responses={200: serializers.ImpactSerializer, **errors(400, 404)},
            examples=[_ex("Notify's dependents", impact, response_only=True)],
        ),
        **similar_docs(),
    }


def adoption_docs() -> dict:
    tag = ["Adoptions"]
    new = {
        "platform": "govuk-pay",
        "organisation": "hm-land-registry",
        "status": "in_use",
        "use_case": "Search fees",
        "start_date": "2019-04-01",
    }
    read = serializers.AdoptionSerializer
    return {
        "list": extend_schema(
            tags=tag,
            summary="List adoptions",
            description="Reuse facts for the platforms you can see, in cursor pages.",
            parameters=[FORMAT],
            responses={200: serializers.AdoptionSerializer(many=True), **errors(*READ_ERRORS)},
            examples=[_ex("Adoptions", ADOPTION, response_only=True)],
        ),
        "retrieve": extend_schema(
            tags=tag,
            summary="Get an adoption",
            description="One adoption, with its version as ETag.",
            parameters=[IF_NONE_MATCH],
            responses={200: serializers.AdoptionSerializer, **NOT_MODIFIED, **errors(404)},
            examples=[_ex("An adoption", ADOPTION, response_only=True)],
        ),
        "create": extend_schema(
            tags=tag,
            summary="Record an adoption",
            description="Members of the adopting organisation (403 otherwise).",
            responses={201: read, **errors(*WRITE_ERRORS)},
            examples=[_ex("In use", new, request_only=True)],
        ),
        "update": extend_schema(
            tags=tag,
            summary="Replace an adoption's details",
            description="Members of the adopting organisation. If-Match as for platforms.",
            parameters=[IF_MATCH],
            responses={200: read, **errors(*WRITE_ERRORS, 412)},
            examples=[_ex("Piloting", {"status": "piloting"}, request_only=True)],
        ),
        "partial_update": extend_schema(
            tags=tag,
            summary="Change an adoption",
            description="As PUT, for the fields sent.",
            parameters=[IF_MATCH],
            responses={200: read, **errors(*WRITE_ERRORS, 412)},
            examples=[_ex("Piloting", {"status": "piloting"}, request_only=True)],
        ),
        "destroy": extend_schema(
            tags=tag,
            summary="Delete an adoption recorded by mistake",
            description="To say it ended, use the end action instead (history is kept).",
            responses={**NO_CONTENT, **errors(*WRITE_ERRORS)},
        ),
        "history": history_docs("an adoption", tag),
        "end": extend_schema(
            tags=tag,
            summary="End an adoption",
            description="The organisation stopped using the platform; 409 if already ended.",
            request=serializers.AdoptionEndSerializer,
            responses={200: read, **errors(*WRITE_ERRORS, 409)},
            examples=[_ex("Ended", {"end_date": "2025-03-31"}, request_only=True)],
        ),
    }


def dependency_docs() -> dict:
    tag = ["Dependencies"]
    dependency = {
        "url": f"{BASE}/dependencies/7/",
        "id": 7,
        "platform": {
            "slug": "govuk-forms",
            "name": "GOV.UK Forms",
            "url": f"{BASE}/platforms/govuk-forms/",
        },
        "depends_on": {
            "slug": "govuk-notify",
            "name": "GOV.UK Notify",
            "url": f"{BASE}/platforms/govuk-notify/",
        },
        "kind": "runtime",
        "description": "Sends confirmation emails.",
        "created_at": "2025-01-06T09:00:00Z",
        "updated_at": "2025-01-06T09:00:00Z",
    }
    return {
        "list": extend_schema(
            tags=tag,
            summary="List dependencies",
            description="Dependencies between platforms you can see, in cursor pages.",
            parameters=[FORMAT],
            responses={200: serializers.DependencySerializer(many=True), **errors(*READ_ERRORS)},
            examples=[_ex("Dependencies", dependency, response_only=True)],
        ),
        "retrieve": extend_schema(
            tags=tag,
            summary="Get a dependency",
            description="One dependency.",
            responses={200: serializers.DependencySerializer, **errors(404)},
            examples=[_ex("A dependency", dependency, response_only=True)],
        ),
        "create": extend_schema(
            tags=tag,
            summary="Record a dependency",
            description="Members of the owner of the platform that depends on the other.",
            responses={201: serializers.DependencySerializer, **errors(*WRITE_ERRORS)},
            examples=[
                _ex(
                    "Forms needs Notify",
                    {"platform": "govuk-forms", "depends_on": "govuk-notify", "kind": "runtime"},
                    request_only=True,
                )
            ],
        ),
        "destroy": extend_schema(
            tags=tag,
            summary="Remove a dependency",
            description="Members of the owner of the depending platform.",
            responses={**NO_CONTENT, **errors(*WRITE_ERRORS)},
        ),
    }


def token_docs() -> dict:
    return {
        "tags": ["Authentication"],
        "summary": "Get an API token",
        "description": "Exchange a username and password for a new token; send it as "
        "'Authorization: Token <token>'. The token is shown once (the catalogue keeps only a "
        "digest) and expires (expiry). Administrators can also create one with "
        "`manage.py create_api_token <username>` and revoke tokens in the admin or with "
        "`manage.py revoke_api_tokens <username>`. Sign-in attempts are limited: after a few "
        "wrong passwords for a username from one address, that username is locked out there "
        "for a while (429), and each address may try only so often (429).",
        "request": serializers.TokenRequestSerializer,
        "responses": {200: serializers.TokenSerializer, **errors(400, 413, 415)},
        "examples": [
            _ex(
                "Credentials",
                {"username": "editor", "password": "correct horse battery staple"},
                request_only=True,
            ),
            _ex(
                "Token",
                {
                    "token": "4c3e1f0a9b8d7c6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e",
                    "expiry": "2026-03-01T09:30:00Z",
                },
                response_only=True,
            ),
        ],
        "auth": [],
    }


PLATFORM_SLUG_PATTERN = r"^(?!similar$)[-a-zA-Z0-9_]+$"


class PlatformSchema(AutoSchema):
    """The platform list's pages differ from other cursor pages of platforms (a ranked search has
    a count): give them their own component."""

    def get_paginated_name(self, serializer_name: str) -> str:
        if getattr(self.view, "action", None) == "list":
            return "PlatformPage"
        return super().get_paginated_name(serializer_name)

    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        if "{slug}" in self.path:
            parameters = [*parameters, OWNER_OF_SLUG]
        return parameters

    def _resolve_path_parameters(self, variables):
        # A platform's slug is a slug, and never "similar": /platforms/similar/ is the endpoint
        # that compares a draft (POST only), so no record can be read or changed there.
        parameters = super()._resolve_path_parameters(variables)
        for parameter in parameters:
            if parameter["name"] == "slug":
                parameter["schema"] = {**parameter["schema"], "pattern": PLATFORM_SLUG_PATTERN}
        return parameters


# --- search and similar platforms ------------------------------------------------------------

RANKING = (
    "Ranking: the words of q are stemmed (payment finds payments) and matched against a "
    "weighted document of each platform: its name counts most; then its summary, capabilities, "
    "standards and tags; then its description and owner. Misspelt names still match (notfy "
    "finds GOV.UK Notify), and synonyms maintained by the catalogue's administrators widen the "
    "query (sms also finds text message). Platforms holding every word come first; if fewer "
    "than three do, platforms holding any of them are included. The text's score is multiplied "
    "by the platform's standing: retired x0.4 and retiring x0.7 (unless every word of q is a "
    "word of its name), and reuse lifts it by n / (n + 20) for n other organisations using it "
    "(at most double). score is the relevance: higher is better, comparable only within one "
    "search. Ties are broken by name."
)
FACETS = (
    "facets counts every platform that matches the query and the filters (not only this page) "
    "by capability, owner, phase, standard and open source, most first: each entry's value is "
    "what to pass to the filter of that name (capability, owner, phase, standard, "
    "is_open_source) to narrow the search. On PostgreSQL a broad query stops counting at "
    f"{COUNT_CAP:,} matches: then count_capped is true, count is {COUNT_CAP:,} (more match), and "
    f"the facets count those first {COUNT_CAP:,}."
)
HIGHLIGHTED = {
    "name": "GOV.UK <mark>Notify</mark>",
    "summary": "Send emails, <mark>text</mark> <mark>messages</mark> and letters to users of "
    "your service.",
}
SEARCH_EXAMPLE = {
    "count": 3,
    "count_capped": False,
    "next": None,
    "previous": None,
    "results": [{**NOTIFY, "score": 1.6437, "highlights": HIGHLIGHTED}],
    "facets": {
        "capability": [{"value": "notifications", "label": "Notifications", "count": 3}],
        "owner": [
            {
                "value": "government-digital-service",
                "label": "Government Digital Service",
                "count": 2,
            },
            {"value": "nhs-england", "label": "NHS England", "count": 1},
        ],
        "phase": [{"value": "live", "label": "Live", "count": 3}],
        "standard": [],
        "open_source": [
            {"value": True, "label": "Open source", "count": 2},
            {"value": False, "label": "Not open source", "count": 1},
        ],
    },
}


def search_docs():
    return extend_schema(
        tags=["Search"],
        summary="Search platforms",
        description="The platforms you can see (published ones, and your organisations' drafts) "
        "that match q, best first, with every platform filter available; without q, all of "
        "them by name. Each result is the compact platform with its score and highlights: its "
        "name and summary as HTML, escaped, with the matched words in <mark>.\n\n"
        f"{RANKING}\n\n{FACETS}\n\nPages: page_size and offset (ranked results have no stable "
        "cursor), with count; follow next. Offsets beyond 1000 are refused: narrow the query. "
        "An ordering parameter replaces the ranking.",
        responses={200: serializers.SearchResponseSerializer, **errors(*READ_ERRORS)},
        examples=[_ex("Text messages", SEARCH_EXAMPLE, response_only=True)],
    )


SIMILAR_EXAMPLE = {
    "results": [
        {
            **NOTIFY,
            "score": 0.5342,
            "reasons": ["shares capability Notifications", "similar description"],
        },
        {
            **NOTIFY,
            "url": f"{BASE}/platforms/govuk-verify/",
            "slug": "govuk-verify",
            "name": "GOV.UK Verify",
            "phase": "retired",
            "replaced_by": {
                "slug": "govuk-one-login",
                "name": "GOV.UK One Login",
                "url": f"{BASE}/platforms/govuk-one-login/",
            },
            "score": 0.31,
            "reasons": ["similar description", "retired — replaced by GOV.UK One Login"],
        },
    ]
}
SIMILAR_LIMIT = OpenApiParameter(
    "limit",
    {"type": "integer", "minimum": 1, "maximum": serializers.MAX_SIMILAR},
    description=f"How many to list: 1 to {serializers.MAX_SIMILAR}, default 10.",
)


SIMILAR_DESCRIPTION = (
    "Platforms that look like it, best first, to reuse rather than build again: each with a "
    "score from 0 to 1 and the reasons (shared capabilities, a similar name, a similar "
    "description). Retiring and retired platforms are listed too, with their replacement in "
    "replaced_by (and named in the reasons). Only platforms you can see are compared."
)


def similar_docs() -> dict:
    tag = ["Platforms"]
    return {
        "similar": extend_schema(
            tags=tag,
            summary="Platforms similar to a platform",
            description=SIMILAR_DESCRIPTION,
            filters=False,
            parameters=[SIMILAR_LIMIT],
            responses={200: serializers.SimilarListSerializer, **errors(*READ_ERRORS)},
            examples=[_ex("Similar", SIMILAR_EXAMPLE, response_only=True)],
        ),
        "similar_draft": extend_schema(
            tags=tag,
            summary="Platforms similar to one you are about to register",
            description=f"Describe the platform (nothing is saved). {SIMILAR_DESCRIPTION} Anyone "
            "may ask (it is a read); anonymous callers are throttled harder.",
            filters=False,
            parameters=[SIMILAR_LIMIT],
            request=serializers.SimilarDraftSerializer,
            responses={200: serializers.SimilarListSerializer, **errors(400, 413, 415)},
            examples=[
                _ex(
                    "A draft",
                    {
                        "name": "SMS and email notification service",
                        "summary": "Send text messages and emails to residents.",
                        "capabilities": ["notifications"],
                    },
                    request_only=True,
                ),
                _ex("Similar", SIMILAR_EXAMPLE, response_only=True),
            ],
        ),
    }


# --- imports and exports ---------------------------------------------------------------------

IMPORT_PLAN = {
    "format": "backstage",
    "dry_run": True,
    "applied": False,
    "created": [
        {
            "slug": "case-tracker",
            "name": "case-tracker",
            "file": "catalog-info.yaml",
            "line": 1,
            "changes": [],
        }
    ],
    "updated": [],
    "unchanged": [],
    "adoptions_created": 0,
    "dependencies_created": 0,
    "organisations_created": [],
    "problems": [
        {
            "file": "catalog-info.yaml",
            "line": 9,
            "field": "spec.owner",
            "message": "'platform-team' is not an organisation in the register; recorded as a tag.",
            "severity": "warning",
        }
    ],
}
IMPORT_REFUSED = {
    **error_body(
        400,
        "invalid",
        "The import was refused: 1 error (nothing was written). First: catalog-info.yaml:15: "
        "spec.lifecycle: 'spec.lifecycle' is required. (error)",
        {"catalog-info.yaml": ["line 15: spec.lifecycle: 'spec.lifecycle' is required."]},
    ),
    "plan": {
        **IMPORT_PLAN,
        "problems": [
            {
                "file": "catalog-info.yaml",
                "line": 15,
                "field": "spec.lifecycle",
                "message": "'spec.lifecycle' is required.",
                "severity": "error",
            }
        ],
    },
}


def import_docs():
    return extend_schema(
        tags=["Interoperability"],
        summary="Import platforms from files",
        description="Upload publiccode.yml files, Backstage catalog-info.yaml files or the "
        "catalogue's CSV (the columns of /exports/platforms.csv) as multipart form data: one or "
        "more file parts, at most 20, each at most 1 MB. Platforms are matched to what the "
        "catalogue already holds by a stable key (the repository URL, the Backstage entity, the "
        "slug), so importing the same files again changes nothing.\n\n"
        "dry_run defaults to true: the answer (200) says what would be created, updated and left "
        "unchanged, and every problem with its file, line and field. With dry_run=false the "
        "import is applied (201), all or nothing: any error refuses it (400, with the plan) and "
        "nothing is written. New platforms are drafts, to go through review. You must be a "
        "member of owner (403 otherwise); create_organisations is for administrators.",
        request={"multipart/form-data": serializers.ImportRequestSerializer},
        responses={
            200: OpenApiResponse(serializers.ImportPlanSerializer, "A dry run: nothing written."),
            201: OpenApiResponse(serializers.ImportPlanSerializer, "Applied."),
            400: OpenApiResponse(
                serializers.ImportRefusedSerializer,
                "Refused: the request or the files are not valid; nothing was written.",
                examples=[OpenApiExample("Refused", value=IMPORT_REFUSED)],
            ),
            **errors(401, 403, 409, 413, 415),
        },
        examples=[_ex("Dry run", IMPORT_PLAN, response_only=True, status_codes=["200"])],
    )


def catalogue_jsonld_docs() -> dict:
    return {
        "tags": ["Interoperability"],
        "summary": "The published catalogue as DCAT-AP JSON-LD",
        "description": "One dcat:Catalog whose dcat:service entries are the published "
        "platforms, each a dcat:DataService and adms:Asset: title, description, publisher "
        "(foaf:Organization), capabilities as dcat:theme, tags as dcat:keyword, phase as "
        "adms:status, licence (SPDX), standards as dct:conformsTo, contact point. Drafts are "
        "never included. Content type application/ld+json.",
        "responses": {
            (200, "application/ld+json"): OpenApiResponse(
                OpenApiTypes.OBJECT,
                "The catalogue.",
                examples=[
                    OpenApiExample(
                        "Catalogue",
                        value={
                            "@context": {"dcat": "http://www.w3.org/ns/dcat#"},
                            "@id": f"{BASE}/catalogue.jsonld",
                            "@type": "dcat:Catalog",
                            "dct:title": "Cross-government common technology platforms",
                            "dcat:service": [
                                {
                                    "@id": f"{BASE}/platforms/govuk-notify/",
                                    "@type": ["dcat:DataService", "adms:Asset"],
                                    "dct:title": "GOV.UK Notify",
                                }
                            ],
                        },
                    )
                ],
            ),
            **json_errors(400, 404),
        },
        "auth": [],
    }


def export_docs() -> dict:
    return {
        "tags": ["Interoperability"],
        "summary": "Export published platforms, organisations, adoptions or dependencies",
        "description": "The whole published catalogue as one file, for spreadsheets and other "
        "catalogues: platforms.csv has the columns the CSV import reads (lists separated by ';'), "
        "so an export imported again changes nothing; .json is an array of the same records. "
        "Published platforms only (and the adoptions of published platforms); drafts never "
        "appear. Streamed. The list endpoints' ?format=csv is a different thing: everything you "
        "can see that their filters select, in the API's representation.",
        "parameters": [
            OpenApiParameter(
                "resource",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                enum=["platforms", "organisations", "adoptions", "dependencies"],
            ),
            OpenApiParameter(
                "extension", OpenApiTypes.STR, OpenApiParameter.PATH, enum=["csv", "json"]
            ),
        ],
        "responses": {
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, "CSV, with a header row."),
            (200, "application/json"): OpenApiResponse(
                {"type": "array", "items": {"type": "object"}}, "An array of records."
            ),
            **errors(400, 404),
        },
        "auth": [],
    }


# --- what the validation refuses, said in the schema -----------------------------------------

# As the views read it: "3", W/"3", 3 or * (or nothing).
IF_MATCH_PATTERN = r'^\s*(\*|(W/)?"*[0-9]+"*)?\s*$'
# Query parameters that may be sent empty: free text, and the first page's cursor.
_MAY_BE_EMPTY = {"q", "cursor"}
# Filters that name a record by its slug.
_SLUG_FILTERS = {
    "adopted_by",
    "capability",
    "depends_on",
    "organisation",
    "owner",
    "owner_tree",
    "parent",
    "platform",
    "standard",
}
SLUG_PATTERN = r"^[-a-zA-Z0-9_]+$"
# Text fields: never a NUL character (Django refuses them); required ones need more than blanks
# (they are trimmed).
TEXT_PATTERN = r"^[^\u0000]*$"
NON_BLANK_TEXT_PATTERN = r"^[^\u0000]*[^\u0000\s][^\u0000]*$"


def _text(schema: dict) -> None:
    """The text patterns for a string schema that has no other constraint on its form."""
    if schema.get("type") == "array":
        _text(schema.get("items", {}))
        return
    if schema.get("type") != "string" or {"pattern", "format", "enum"} & set(schema):
        return
    schema["pattern"] = NON_BLANK_TEXT_PATTERN if schema.get("minLength") else TEXT_PATTERN


# Request bodies whose serializers refuse unknown fields (all but DRF's own token request).
_OPEN_REQUESTS = {"TokenRequestRequest"}


def _any_case(*words: str) -> str:
    """A pattern for ``words`` in any letter case (JSON Schema patterns have no flags)."""
    spelled = ("".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in w) for w in words)
    return r"^\s*(" + "|".join(spelled) + r")\s*$"


def _non_empty(schema: dict) -> None:
    if schema.get("type") == "array":
        schema.setdefault("minItems", 1)
        _non_empty(schema.get("items", {}))
    elif schema.get("type") == "string" and "enum" not in schema:
        schema.setdefault("minLength", 1)


def describe_the_validation(result, generator, request, public):
    """A postprocessing hook: the schema states what the API refuses, so that a request the schema
    calls valid is not answered 400 (schemathesis checks both ways). A filter named in the query
    needs a value (``?owner=`` is refused; free text ``q`` may be empty), If-Match is an ETag,
    and request bodies have no fields beyond the documented ones."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                schema = parameter.setdefault("schema", {})
                if parameter["in"] == "query" and parameter["name"] not in _MAY_BE_EMPTY:
                    _non_empty(schema)
                if parameter["in"] == "query" and parameter["name"] in _SLUG_FILTERS:
                    # A repeatable filter (an array) constrains each of its values.
                    (schema.get("items", schema) if schema.get("type") == "array" else schema)[
                        "pattern"
                    ] = SLUG_PATTERN
                elif parameter["in"] == "query":
                    _text(schema)
                elif parameter["in"] == "header" and parameter["name"] == "If-Match":
                    schema["pattern"] = IF_MATCH_PATTERN
                if parameter["name"] == "has_adopters":
                    schema["pattern"] = _any_case("true", "false", "yes", "no", "1", "0")
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if not name.endswith("Request") or component.get("type") != "object":
            continue
        if name not in _OPEN_REQUESTS:
            component.setdefault("additionalProperties", False)
        for field in component.get("properties", {}).values():
            _text(field)
            if field.get("type") == "array" and field["items"].get("format") == "binary":
                field["items"]["minLength"] = 1  # an empty file part is refused
    return result
