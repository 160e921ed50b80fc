"""Additions to the generated OpenAPI document for answers that do not come from a view."""

from __future__ import annotations

from typing import Any

URI_TOO_LONG = {
    "description": (
        "The URL is too long: gunicorn answers this itself, before the application, for a "
        "request line over its limit_request_line (4094 bytes)."
    ),
    "content": {"text/html": {"schema": {"type": "string"}}},
}


def document_uri_too_long(result: dict[str, Any], **_: Any) -> dict[str, Any]:
    """A drf-spectacular postprocessing hook: every operation may get a 414."""
    for methods in result.get("paths", {}).values():
        for operation in methods.values():
            operation["responses"].setdefault("414", URI_TOO_LONG)
    return result
