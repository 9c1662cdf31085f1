"""The docs UI (/docs) explains itself: every route has a summary, description, tag and its error answers;
every request and response body has an example; the landing text explains the score."""

from typing import Any

from fastapi.testclient import TestClient

# Routes that cannot answer an error of their own: liveness answers as long as the process runs, and the
# metrics page reads counters (a database failure there is reported as a gauge, not an error).
NO_ERRORS = {("get", "/healthz"), ("get", "/metrics")}


def _component(schema: dict[str, Any], ref: str) -> dict[str, Any]:
    return schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]  # type: ignore[no-any-return]


def _body_model(schema: dict[str, Any], media: dict[str, Any]) -> dict[str, Any] | None:
    """The model a body is made of: the schema itself, a list's items, or a page's items."""
    body = media.get("schema", {})
    if "$ref" in body:
        model = _component(schema, body["$ref"])
        items = model.get("properties", {}).get("items", {}).get("items", {})
        return _component(schema, items["$ref"]) if "$ref" in items else model
    if body.get("type") == "array" and "$ref" in body.get("items", {}):
        return _component(schema, body["items"]["$ref"])
    return None


def _has_example(model: dict[str, Any]) -> bool:
    if "examples" in model or "example" in model:
        return True
    properties = model.get("properties", {})
    return bool(properties) and all("examples" in p or "example" in p for p in properties.values())


def test_every_route_is_documented(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    problems = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for field in ("summary", "description", "tags"):
                if not operation.get(field):
                    problems.append(f"{method.upper()} {path}: no {field}")
            errors = [code for code in operation["responses"] if code[0] in "45"]
            if not errors and (method, path) not in NO_ERRORS:
                problems.append(f"{method.upper()} {path}: no documented error response")
            for code in errors:
                content = operation["responses"][code].get("content", {})
                if content and "application/problem+json" not in content:
                    problems.append(f"{method.upper()} {path}: {code} is not documented as problem+json")
    assert not problems, problems
    assert len(schema["paths"]) >= 30


def test_every_body_has_an_example(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    missing = set()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            bodies = [operation.get("requestBody", {}).get("content", {}).get("application/json", {})]
            bodies += [
                answer.get("content", {}).get("application/json", {})
                for code, answer in operation["responses"].items()
                if code.startswith("2")
            ]
            for media in bodies:
                model = _body_model(schema, media) if media else None
                if model is not None and not _has_example(model) and "example" not in media:
                    missing.add(f"{method.upper()} {path}: {model.get('title')}")
    assert not missing, sorted(missing)


def test_the_landing_text_explains_the_score_and_the_keys(client: TestClient) -> None:
    description = client.get("/openapi.json").json()["info"]["description"]
    for words in ("score from 0 to 100", "tier", "recommendation", "citation", "Authorize", "If-Match"):
        assert words in description, words
