"""The OpenAPI document as served: FastAPI's, plus what the route declarations alone do not say.

Roles and their 401/403 answers (app/api/access.py), every 422 as problem+json (FastAPI documents its own
validation error shape, which this API never sends), the page-size maximum the operator configured, and If-Match
as a required header where the route refuses to run without it (it answers 428 rather than 422, so the header
is optional to FastAPI, but a client must send it).
"""

from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

from app.api.access import annotate_access
from app.api.deps import required_if_match
from app.schemas.common import PROBLEM_RESPONSES


def _needs_if_match(route: APIRoute) -> bool:
    return any(dep.call is required_if_match for dep in route.dependant.dependencies)


def install_openapi(app: FastAPI, max_page_size: int) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = generate()
        annotate_access(schema, app)
        for operations in schema["paths"].values():
            for operation in operations.values():
                _problem_422(operation)
                for parameter in operation.get("parameters", []):
                    if parameter["in"] == "query" and parameter["name"] == "limit":
                        _limit_schema(parameter["schema"], max_page_size)
        for context in iter_route_contexts(app.routes):
            route = context.route
            if isinstance(route, APIRoute) and _needs_if_match(route):
                for method in route.methods or ():
                    operation = schema["paths"][context.path or route.path][method.lower()]
                    for parameter in operation.get("parameters", []):
                        if parameter["in"] == "header" and parameter["name"].lower() == "if-match":
                            parameter["required"] = True
                            parameter["schema"] = {"type": "string", "pattern": r'^(\*|(W/)?"[0-9]+")$'}
        for unused in ("HTTPValidationError", "ValidationError"):
            schema.get("components", {}).get("schemas", {}).pop(unused, None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _problem_422(operation: dict[str, Any]) -> None:
    """FastAPI documents its own 422 as HTTPValidationError; the API answers every 422 as problem+json."""
    answer = operation.get("responses", {}).get("422")
    if answer is not None and "application/json" in answer.get("content", {}):
        operation["responses"]["422"] = {
            "description": PROBLEM_RESPONSES[422]["description"],
            "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }


def _limit_schema(schema: dict[str, Any], maximum: int) -> None:
    for option in schema.get("anyOf", [schema]):
        if option.get("type") == "integer":
            option["maximum"] = maximum
