"""The API's JSON parser (its own module: DRF's settings import it while rest_framework.views is still loading)."""

from __future__ import annotations

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, with JSON nested deeper than Python's recursion limit a 400 instead of a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            # The C scanner gives up at the recursion limit (about a thousand levels), so this costs little.
            raise ParseError("JSON parse error - the document is nested too deeply") from None
