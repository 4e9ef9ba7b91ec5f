"""The OpenAPI schema's error answers: every refusal the API gives is documented, so clients (and schemathesis)
can hold it to the schema."""

from __future__ import annotations

from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

ERROR_DETAIL = {"type": "object", "properties": {"detail": {"type": "string"}}, "required": ["detail"]}
# Field errors ({"field": ["message"]}), non-field errors, or {"detail", "line", "column"} of a refused file.
VALIDATION_ERRORS = {"type": "object", "additionalProperties": {}}

CONFLICT = OpenApiResponse(
    inline_serializer("Conflict", {"detail": serializers.CharField()}),
    description=(
        "The object's state does not allow this (already decided, applied or rolled back; a plan while the budget "
        "mode is dry run or a kill switch is engaged)."
    ),
)
_ANONYMOUS = {"/api/auth/token/"}
_WRITES = {"post", "put", "patch"}


def _response(description: str, schema_name: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_name}"}}},
    }


def add_error_responses(result: dict, generator: object, request: object, public: bool) -> dict:
    """drf-spectacular postprocessing hook: 400, 401, 403, 404 (and 429 where throttled) on every operation."""
    throttled = {
        (path, method.lower())
        for path, _, method, callback in getattr(generator, "endpoints", None) or ()
        if getattr(getattr(callback, "cls", None), "throttle_scope", None)
    }
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["ErrorDetail"] = ERROR_DETAIL
    schemas["ValidationErrors"] = VALIDATION_ERRORS
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            has_query = any(p.get("in") == "query" for p in operation.get("parameters", []))
            if method in _WRITES or has_query:
                responses.setdefault("400", _response("Invalid input", "ValidationErrors"))
            if (path, method) in throttled:  # the token endpoint too: its throttle and the login lockout
                responses.setdefault("429", _response("Too many requests; retry later", "ErrorDetail"))
            if path in _ANONYMOUS:
                continue
            responses.setdefault("401", _response("Not authenticated", "ErrorDetail"))
            responses.setdefault("403", _response("The caller's role does not allow this", "ErrorDetail"))
            # A row of another organization, an unknown id or a page past the end.
            responses.setdefault("404", _response("Not found", "ErrorDetail"))
            if method == "delete":  # rows that the budget audit keeps
                responses.setdefault("409", _response("Kept for the record; cannot be deleted", "ErrorDetail"))
    return result


class TokenScheme(KnoxTokenScheme):
    """The security scheme of campaigns/api/authentication.py's token check: knox's own (drf-spectacular matches
    knox's class itself, not its subclasses)."""

    target_class = "campaigns.api.authentication.TokenAuthentication"
