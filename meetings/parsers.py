"""The API's JSON parser: JSON, and text that can be stored and sent back."""

import json

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class StrictJSONParser(JSONParser):
    """Refuse a body holding a lone surrogate ("\\ud800"): it parses, but no database, log or answer can take it,
    and echoing it back failed as an HTML 500 (docs/security.md, finding 15)."""

    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        try:
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise ParseError("The body holds text that is not valid Unicode (a lone surrogate).") from None
        return data
