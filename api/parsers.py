"""Request body parsers: DRF's, made safe against hostile JSON."""

from __future__ import annotations

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, except that a body nested deeper than Python's recursion limit
    (``[[[[...]]]]``, a few kilobytes) is a 400 rather than a RecursionError and a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as error:
            raise ParseError("JSON parse error - the body is nested too deeply.") from error


# The order matters: the first is the one the browsable API offers.
PARSERS = [JSONParser, parsers.FormParser, parsers.MultiPartParser]
