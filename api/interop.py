"""Interoperability: importing the files departments already keep (publiccode.yml, Backstage,
the catalogue's CSV) through ``platforms.importers``, and exporting the published catalogue
through ``platforms.exporters`` (CSV, JSON, DCAT-AP JSON-LD)."""

from __future__ import annotations

from collections.abc import Iterator

from django.conf import settings
from django.http import HttpResponse, StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import permissions, status, viewsets
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from api import schema, serializers
from api.base import CatalogueViewSetMixin
from api.exceptions import RequestTooLarge, error_body, refuse_unreadable_request
from platforms import rules
from platforms.exporters import RESOURCES, stream_catalogue_jsonld, stream_csv, stream_json
from platforms.importers import run_import
from platforms.importers.base import MAX_FILE_BYTES
from platforms.models import Platform

# --- imports ---------------------------------------------------------------------------------


@extend_schema_view(create=schema.import_docs())
class ImportViewSet(CatalogueViewSetMixin, viewsets.GenericViewSet):
    """Import platforms from files, for an organisation the user is a member of. A dry run by
    default; all or nothing when applied."""

    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [MultiPartParser]
    serializer_class = serializers.ImportRequestSerializer

    def get_parsers(self):
        return [parser() for parser in self.parser_classes]  # files: multipart, also in the schema

    def get_renderers(self):
        return [renderer() for renderer in self.renderer_classes]

    def create(self, request, *args, **kwargs):
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        owner = body.validated_data["owner"]
        if owner is not None and not rules.can_act_for(request.user, owner):
            raise PermissionDenied(f"You cannot import platforms for {owner.name}.")
        if body.validated_data["create_organisations"] and not request.user.is_superuser:
            raise PermissionDenied("Only catalogue administrators can create organisations.")
        files = []
        for upload in body.validated_data["file"]:
            if upload.size > MAX_FILE_BYTES:
                raise RequestTooLarge(
                    f"{upload.name} is {upload.size} bytes; the most an imported file may be is "
                    f"{MAX_FILE_BYTES} bytes (1 MB). Split it."
                )
            files.append((upload.name, upload.read()))
        plan = run_import(
            files,
            body.validated_data["format"],
            owner,
            request.user,
            dry_run=body.validated_data["dry_run"],
            create_organisations=body.validated_data["create_organisations"],
        )
        if plan.conflict:
            message = plan.errors[-1].message
            return Response(
                {**error_body(409, "conflict", message), "plan": plan.as_dict()},
                status=status.HTTP_409_CONFLICT,
            )
        if not plan.ok:
            return Response(_refusal(plan), status=status.HTTP_400_BAD_REQUEST)
        code = status.HTTP_201_CREATED if plan.applied else status.HTTP_200_OK
        return Response(plan.as_dict(), status=code)


def _refusal(plan) -> dict:
    """The error shape (messages by file), with the whole plan."""
    errors: dict[str, list[str]] = {}
    for problem in plan.errors:
        where = f"line {problem.line}: " if problem.line else ""
        subject = f"{problem.field}: " if problem.field else ""
        errors.setdefault(problem.file or "non_field_errors", []).append(
            f"{where}{subject}{problem.message}"
        )
    count = len(plan.errors)
    message = (
        f"The import was refused: {count} error{'s' if count != 1 else ''} (nothing was "
        f"written). First: {plan.errors[0]}"
    )
    return {**error_body(400, "invalid", message, errors), "plan": plan.as_dict()}


# --- exports ---------------------------------------------------------------------------------


class JSONLDRenderer(JSONRenderer):
    media_type = "application/ld+json"
    format = "jsonld"


class FirstRenderer(BaseContentNegotiation):
    """A download is in the format its URL names, whatever the Accept header says (a ?format= it
    does not have is a 404, as elsewhere)."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        wanted = format_suffix or request.query_params.get("format")
        if wanted is not None:
            renderers = [renderer for renderer in renderers if renderer.format == wanted]
            if not renderers:
                raise NotFound(f"Unknown format: {wanted}.")
        return renderers[0], renderers[0].media_type


class DownloadView(APIView):
    """A file of the published catalogue, for anyone. Errors are JSON, in the one error shape."""

    permission_classes = [permissions.AllowAny]
    content_negotiation_class = FirstRenderer
    renderer_classes = [JSONRenderer]

    def initial(self, request, *args, **kwargs):
        refuse_unreadable_request(request)
        super().initial(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        if response.status_code >= 400:
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)


class CatalogueJSONLDView(DownloadView):
    renderer_classes = [JSONLDRenderer]

    @extend_schema(**schema.catalogue_jsonld_docs())
    def get(self, request):
        # Streamed; its IRIs are built from SITE_URL, the catalogue's published address, so
        # they name the same things whichever host name the request came through.
        return StreamingHttpResponse(
            stream_catalogue_jsonld(settings.SITE_URL),
            content_type=JSONLDRenderer.media_type,
        )


EXPORT_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json"}


class ExportView(DownloadView):
    @extend_schema(**schema.export_docs())
    def get(self, request, resource: str, extension: str):
        if resource not in RESOURCES or extension not in EXPORT_TYPES:
            raise NotFound(
                f"There is no export {resource}.{extension}: use one of "
                + ", ".join(f"{r}.{e}" for r in RESOURCES for e in EXPORT_TYPES)
                + "."
            )
        return StreamingHttpResponse(
            export(resource, extension),
            content_type=EXPORT_TYPES[extension],
            headers={"Content-Disposition": f'attachment; filename="{resource}.{extension}"'},
        )


def export(resource: str, extension: str) -> Iterator[str]:
    """``platforms.exporters``' CSV or JSON of the published ``resource``, streamed: rows are read
    in chunks and sent as they are written, so a large catalogue costs constant memory and
    starts arriving at once."""
    return stream_csv(resource) if extension == "csv" else stream_json(resource)


class OriginalDocumentView(DownloadView):
    """The file a platform was imported from, as its publisher wrote it (nothing lost where the
    catalogue has no field for it). Visible to whoever may see the platform."""

    @extend_schema(
        summary="The document a platform was imported from",
        description="The publiccode.yml or Backstage entity a platform was imported from, as "
        "published. 404 when the platform has none, or is a draft you cannot see.",
        responses={
            (200, "application/yaml"): OpenApiResponse(OpenApiTypes.STR, "The document."),
            **schema.json_errors(404),
        },
        tags=["Interoperability"],
        auth=[],
    )
    def get(self, request, slug: str):
        platform = Platform.objects.visible_to(request.user).by_slug(slug).first()
        if platform is None or not platform.original_document:
            raise NotFound("This platform has no original document (or no such platform).")
        # Both formats kept (publiccode.yml, Backstage) are YAML.
        return HttpResponse(
            platform.original_document,
            content_type="application/yaml; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="{platform.slug}.yml"',
                "X-Content-Type-Options": "nosniff",
            },
        )
