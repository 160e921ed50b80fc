"""The OpenAPI document and the Swagger UI that shows it (from our static files only)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.contrib.staticfiles import finders
from drf_spectacular.validation import validate_schema

from tests.api.openapi import document

EXPORT_TYPES = {"application/x-bibtex", "application/x-research-info-systems"}
_READ = {"200", "414", "429"}
_MINE = {"401", "403", "404", "414", "429"}  # a reader's own data: token or session
OPERATIONS = {
    "/api/search": {"get": {"200", "400", "404", "414", "429", "503"}},
    "/api/papers/": {"get": {"200", "400", "404", "414", "429"}},
    "/api/papers/like": {"get": {"200", "400", "404", "409", "414", "429", "503"}},
    "/api/papers/{id}": {"get": {"200", "400", "404", "414", "429"}},
    "/api/papers/{id}/related": {"get": {"200", "400", "404", "414", "429"}},
    "/api/papers/{id}/faq": {
        "get": {"200", "202", "400", "404", "414", "429"},
        "post": {"200", "202", "400", "404", "414", "429", "503"},
    },
    "/api/categories/": {"get": _READ},
    "/api/collections": {
        "get": {"200", "401", "403", "414", "429"},
        "post": {"201", "400", "401", "403", "414", "429"},
    },
    "/api/collections/{collection_id}": {
        "get": {"200", *_MINE},
        "patch": {"200", "400", *_MINE},
        "delete": {"204", *_MINE},
    },
    "/api/collections/{collection_id}/export": {"get": {"200", "400", *_MINE}},
    "/api/collections/{collection_id}/import": {"post": {"200", "400", *_MINE}},
    "/api/collections/{collection_id}/papers": {
        "get": {"200", "400", *_MINE},
        "post": {"200", "201", "400", *_MINE},
    },
    "/api/collections/{collection_id}/papers/{id}": {
        "put": {"200", "400", *_MINE},
        "delete": {"204", "400", *_MINE},
    },
    "/api/for-you": {"get": {"200", "400", "401", "404", "414", "429"}},
    "/api/ratings": {"get": {"200", "400", "401", "404", "414", "429"}},
    "/api/ratings/{id}": {
        "put": {"200", "400", "401", "404", "414", "429"},
        "delete": {"204", "400", "401", "404", "414", "429"},
    },
    "/api/read/{id}": {
        "put": {"200", "400", "401", "404", "414", "429"},
        "delete": {"204", "400", "401", "404", "414", "429"},
    },
}


@pytest.fixture
def served(client) -> dict:
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi+json")
    return response.json()


def test_schema_is_valid_openapi_3(served):
    assert served["openapi"].startswith("3.")
    validate_schema(served)  # against the official OpenAPI 3.0 JSON schema
    assert served == document()  # what the response checks in the other tests compare to


def test_every_endpoint_documents_its_responses(served):
    assert set(served["paths"]) == set(OPERATIONS)
    for path, methods in OPERATIONS.items():
        assert set(served["paths"][path]) == set(methods), path
        for method, statuses in methods.items():
            operation = served["paths"][path][method]
            assert set(operation["responses"]) == statuses, (path, method)
            assert "Retry-After" in operation["responses"]["429"]["headers"]
            # gunicorn's own answer to a request line over its limit, before any view.
            assert set(operation["responses"]["414"]["content"]) == {"text/html"}
            for status, response in operation["responses"].items():
                if status in ("414", "204"):
                    continue
                if path.endswith("/export") and status == "200":  # the file itself
                    assert set(response["content"]) == EXPORT_TYPES
                    continue
                assert "application/json" in response["content"], (path, method, status)


@pytest.mark.parametrize("path", ["/api/search", "/api/papers/", "/api/papers/like"])
def test_category_specs_are_invalid_in_the_schema_exactly_when_their_characters_are(
    served, client, path
):
    """`category=0` was valid per the schema and a 400: the schema now has the characters a
    spec may have, and text with others is refused with the same reason."""
    parameter = next(
        p for p in served["paths"][path]["get"]["parameters"] if p["name"] == "category"
    )
    pattern = re.compile(parameter["schema"]["pattern"])
    assert pattern.search("cs.AI+cs.LG-cs.CY") and pattern.search("hep-th,math.IT")
    assert pattern.search("math.*-math.HO")  # an archive, as the lists take it
    for value in ("0", "cs.AI cs.LG", "cs.AI;cs.LG", "cs.AI/cs.LG"):
        assert not pattern.search(value), value
        response = client.get(path, {"q": "x", "ids": "2503.11685", "category": value})
        assert response.status_code == 400, value
        assert "category codes (letters, '.' and '-')" in str(response.json()["category"])


def test_parameters_are_documented_with_their_limits(served):
    def parameters(path: str, method: str = "get") -> dict:
        operation = served["paths"][path][method]
        return {p["name"]: p for p in operation.get("parameters", [])}

    search = parameters("/api/search")
    assert set(search) == {"q", "category", "from", "to", "sort", "exact", "page", "page_size"}
    assert search["q"]["required"] is True
    assert search["q"]["schema"]["maxLength"] == 500
    assert search["page_size"]["schema"] == {
        "type": "integer",
        "maximum": 100,
        "minimum": 1,
        "default": 25,
    }
    assert search["sort"]["schema"]["enum"] == ["relevance", "announced", "submitted"]
    assert search["from"]["schema"]["format"] == search["to"]["schema"]["format"] == "date"
    assert set(parameters("/api/papers/")) == {"category", "date", "page", "page_size"}
    like = parameters("/api/papers/like")
    assert set(like) == {"ids", "category", "date", "from", "to", "limit"}
    assert like["ids"]["required"] is True
    assert like["limit"]["schema"] == {
        "type": "integer",
        "maximum": 100,
        "minimum": 1,
        "default": 25,
    }
    assert like["from"]["schema"]["format"] == like["to"]["schema"]["format"] == "date"
    assert parameters("/api/papers/{id}")["id"]["in"] == "path"
    for path, methods in OPERATIONS.items():
        for method in methods:
            documented = parameters(path, method).values()
            assert all(p.get("description") for p in documented), (path, method)


def test_swagger_ui_uses_only_local_assets(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    page = response.content.decode()
    # No inline script or style for a strict Content-Security-Policy to allow.
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)
    assert "<style" not in page
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert len(assets) == 5  # favicon, css, bundle, preset, init script
    for url in assets:
        parts = urlsplit(url.replace("&amp;", "&"))
        assert not parts.scheme and not parts.netloc, f"{url} is not on this site"
        if parts.path.startswith("/static/"):
            assert finders.find(parts.path.removeprefix("/static/")), f"{url} is missing"
        else:
            assert parts.path == "/api/docs/" and "script" in parts.query
            script = client.get(url.replace("&amp;", "&"))
            assert script.status_code == 200
            assert script["Content-Type"].startswith("application/javascript")
            assert "/api/schema/" in script.content.decode()
