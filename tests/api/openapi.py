"""Check real responses against the API's own OpenAPI document, as a schema fuzzer would."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from jsonschema import Draft202012Validator


@cache
def document() -> dict[str, Any]:
    """The OpenAPI document the site serves at /api/schema/, as plain JSON."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(schema))


def _strict(node: Any) -> Any:
    """OpenAPI 3.0 schema to JSON Schema: `nullable` becomes a null alternative, and objects
    reject undocumented keys (a response field missing from the schema is a failure too)."""
    if isinstance(node, list):
        return [_strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: _strict(value) for key, value in node.items()}
    if "properties" in converted:
        converted.setdefault("additionalProperties", False)
    if converted.pop("nullable", False):
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


@cache
def _components() -> dict[str, Any]:
    return _strict(document()["components"])


def assert_conforms(response: Any, path: str, method: str = "get") -> None:
    """The status is documented for the operation, and the body and headers match it."""
    operation = document()["paths"][path][method]
    documented = operation["responses"].get(str(response.status_code))
    assert documented, f"{response.status_code} is not documented for {method} {path}"
    assert response["Content-Type"].startswith("application/json")
    schema = documented["content"]["application/json"]["schema"]
    validator = Draft202012Validator(
        {**_strict(schema), "components": _components()},
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )
    errors = [
        f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(response.json())
    ]
    assert not errors, errors
    for header in documented.get("headers", {}):
        assert response.has_header(header), f"documented header {header} is missing"
