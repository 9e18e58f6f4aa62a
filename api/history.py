"""The change history endpoints' response: a cursor page of ``platforms.selectors.history``."""

from __future__ import annotations

from rest_framework.response import Response

from api import serializers
from api.pagination import CataloguePagination
from platforms.selectors import history


def history_page(view, instance) -> Response:
    """The change history of ``instance``, newest first, in cursor pages."""
    paginator = CataloguePagination()
    records = history.records_of(instance)
    page = paginator.paginate_queryset(records, view.request, view=view)
    before = history.predecessor(records, page[-1]) if page else None
    entries = history.describe(page, before, user=view.request.user)
    data = serializers.HistoryEntrySerializer(entries, many=True).data
    return paginator.get_paginated_response(data)
