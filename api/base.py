"""What every API view shares: JSON in, the one error shape out, CSV on lists, and refusing what
cannot be read before any work is done."""

from __future__ import annotations

from rest_framework.exceptions import NotFound

from api import fast, history
from api.exceptions import refuse_unreadable_request
from api.pagination import CataloguePagination
from api.parsers import PARSERS, JSONParser
from api.renderers import CSVRenderer, JSONRenderer, stream_csv_response
from api.rows import PageRows

# Actions that answer with a list, and so may also answer in CSV.
LIST_ACTIONS = frozenset(
    {"list", "adoptions", "dependencies", "platforms", "organisation_adoptions"}
)


class CatalogueViewSetMixin:
    """JSON in; CSV on list actions; errors always in JSON (the one error shape), even for
    ?format=csv."""

    parser_classes = PARSERS
    # {action: handler}: the reads ``api/fast.py`` answers (in JSON, on PostgreSQL) without DRF's
    # dispatch; whatever a handler does not fully support goes on to DRF.
    fast_reads: dict = {}

    def dispatch(self, request, *args, **kwargs):
        if self.fast_reads:
            self.args, self.kwargs = args, kwargs
            response = fast.respond(self, request, self.fast_reads)
            if response is not None:
                return response
        return super().dispatch(request, *args, **kwargs)

    def check_throttles(self, request):
        # Counted by api/fast.py before it handed the request on: not counted twice.
        waits = getattr(request._request, "catalogue_throttle_waits", None)
        if waits is None:
            return super().check_throttles(request)
        if waits:
            self.throttled(request, max((wait for wait in waits if wait is not None), default=None))
        return None

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

    def wants_csv(self) -> bool:
        return isinstance(getattr(self.request, "accepted_renderer", None), CSVRenderer)

    def csv_response(self, queryset, serializer_class):
        """Every record the filters selected, as streamed CSV (a list is never cut to a page)."""
        if not queryset.query.order_by:
            queryset = queryset.order_by(*(getattr(self, "ordering", None) or ("pk",)))
        return stream_csv_response(
            queryset,
            serializer_class,
            context=self.get_serializer_context(),
            # /api/v1/platforms/govuk-pay/adoptions/ -> platforms-govuk-pay-adoptions.csv
            filename="-".join(self.request.path.strip("/").split("/")[2:]) or "export",
        )

    # A CSV list is every record, streamed, not a page. Done through DRF's pagination hooks rather
    # than by overriding ``list`` (a ``list`` here would give every viewset a list route): the
    # filtered queryset is kept instead of a page, and the "paginated response" is the stream.
    _csv_queryset = None

    def page_rows(self) -> PageRows | None:
        """How this action's page is read as values (api/rows.py); None: as model instances."""
        return None

    def paginate_queryset(self, queryset):
        rows = None if self.wants_csv() else self.page_rows()
        if rows is not None and rows.usable():
            page = super().paginate_queryset(rows.queryset(queryset))
            return None if page is None else rows.complete(page)
        page = super().paginate_queryset(queryset)
        if self.wants_csv():
            # The page was still read: a bad page_size, cursor or offset is the same 400 as in
            # JSON, although a CSV ignores them.
            self._csv_queryset = queryset
            return []
        return page

    def get_paginated_response(self, data):
        if self._csv_queryset is not None:
            return self.csv_response(self._csv_queryset, self.get_serializer_class())
        return super().get_paginated_response(data)

    def paginated(self, queryset, serializer_class, ordering, rows: PageRows | None = None):
        """A nested list (e.g. a platform's adoptions), in cursor pages (or whole, as CSV);
        read as ``rows`` (api/rows.py) when given."""
        paginator = CataloguePagination()
        if rows is not None and rows.usable() and not self.wants_csv():
            page = paginator.paginate_queryset(
                rows.queryset(queryset.order_by(*ordering)), self.request, view=self
            )
            page = rows.complete(page)
        else:
            page = paginator.paginate_queryset(
                queryset.order_by(*ordering), self.request, view=self
            )
        if self.wants_csv():  # after the page: the same 400s for bad paging as in JSON
            return self.csv_response(queryset.order_by(*ordering), serializer_class)
        data = serializer_class(page, many=True, context=self.get_serializer_context()).data
        return paginator.get_paginated_response(data)
