"""What every API view shares: JSON in, the one error shape out, CSV on lists, and refusing what
cannot be read before any work is done."""

from __future__ import annotations

from rest_framework.exceptions import NotFound
from rest_framework.renderers import JSONRenderer

from api import history
from api.exceptions import refuse_unreadable_request
from api.pagination import CataloguePagination
from api.parsers import PARSERS, JSONParser
from api.renderers import CSVRenderer

# Actions that answer with a list, and so may also answer in CSV.
LIST_ACTIONS = frozenset(
    {"list", "adoptions", "dependencies", "platforms", "organisation_adoptions"}
)


class CatalogueViewSetMixin:
    """JSON in; CSV on list actions; errors always in JSON (the one error shape), even for
    ?format=csv."""

    parser_classes = PARSERS

    def get_parsers(self):
        # The schema documents JSON, the API's format. Form and multipart bodies are still read
        # (the browsable API posts them) by DRF's form rules, in which "" means null: a weaker
        # contract the schema does not promise. Any other content type is a 415.
        if getattr(self, "swagger_fake_view", False):
            return [JSONParser()]
        return super().get_parsers()

    def get_renderers(self):
        renderers = super().get_renderers()
        if getattr(self, "action", None) in LIST_ACTIONS:
            renderers.append(CSVRenderer())
        return renderers

    def finalize_response(self, request, response, *args, **kwargs):
        if response.status_code >= 400 and isinstance(
            getattr(request, "accepted_renderer", None), CSVRenderer
        ):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)

    def initial(self, request, *args, **kwargs):
        # Before authentication and parsing: nothing of an oversized body is read.
        refuse_unreadable_request(request)
        super().initial(request, *args, **kwargs)

    def perform_content_negotiation(self, request, force=False):
        # An empty ?format= is a format the endpoint does not have (404, as DRF answers for
        # ?format=xml), not a silent "json".
        if not force and request.query_params.get("format", None) == "":
            raise NotFound("Unknown format: use json or csv.")
        return super().perform_content_negotiation(request, force)

    def history_page(self, instance):
        """The change history of ``instance``, newest first, in cursor pages."""
        return history.history_page(self, instance)

    def paginated(self, queryset, serializer_class, ordering):
        """A nested list (e.g. a platform's adoptions), in cursor pages."""
        paginator = CataloguePagination()
        page = paginator.paginate_queryset(queryset.order_by(*ordering), self.request, view=self)
        data = serializer_class(page, many=True, context=self.get_serializer_context()).data
        return paginator.get_paginated_response(data)
