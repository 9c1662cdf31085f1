"""Which role each route requires, read from the route table, and shown in the OpenAPI document.

Routes declare their role with a `Requires` dependency (app/api/deps.py); this module is the one reader of those
declarations, shared by the docs and the authorization matrix test.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from app.api.deps import Credential, RoleGate
from app.schemas.common import PROBLEM_RESPONSES
from app.vocabulary import Role


@dataclass(frozen=True)
class RouteAccess:
    method: str
    path: str
    role: Role | None  # None: public (health, readiness, metrics, the sign-in page)
    credential: Credential | None = None  # how the role is proved: an API key (/v1) or the sign-in cookie (pages)


def _gates(dependant: Dependant) -> Iterator[RoleGate]:
    for dep in dependant.dependencies:
        if isinstance(dep.call, RoleGate):
            yield dep.call
        yield from _gates(dep)


def _required(dependant: Dependant) -> tuple[Role | None, Credential | None]:
    gates = list(_gates(dependant))
    if not gates:
        return None, None
    strictest = max(gates, key=lambda g: g.role.rank)
    return strictest.role, strictest.credential


def route_access(app: FastAPI) -> Iterator[RouteAccess]:
    """Every route (method and path), API and dashboard pages alike, with the role it requires and how."""
    for context in iter_route_contexts(app.routes):
        route = context.route
        if not isinstance(route, APIRoute):
            continue
        role, credential = _required(route.dependant)
        for method in sorted(route.methods or ()):
            yield RouteAccess(method=method, path=context.path or route.path, role=role, credential=credential)


def _problem(code: int) -> dict[str, Any]:
    return {
        "description": PROBLEM_RESPONSES[code]["description"],
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def annotate_access(schema: dict[str, Any], app: FastAPI) -> None:
    """Add each route's role, and its 401/403 answers, to the OpenAPI document the docs UI shows."""
    for access in route_access(app):
        operation = schema["paths"].get(access.path, {}).get(access.method.lower())
        if operation is None:
            continue
        if access.role is None:
            operation.pop("security", None)
            continue
        operation["x-required-role"] = access.role.value
        note = f"**Role:** {access.role.value} or higher."
        operation["description"] = f"{operation.get('description', '').rstrip()}\n\n{note}".lstrip()
        responses = operation.setdefault("responses", {})
        responses.setdefault("401", _problem(401))
        if access.role is not Role.viewer:
            responses.setdefault("403", _problem(403))
