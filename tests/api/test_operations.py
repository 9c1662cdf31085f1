"""Operations on SQLite and PostgreSQL: /metrics by route template, request ids on every response (errors and
body-limit 413s included), JSON log lines, and the engine closed at shutdown."""

import io
import json
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from app.core.config import Settings
from app.core.logging import JsonLogHandler
from app.main import create_app
from app.models import Deal
from app.vocabulary import Role
from tests.factories import entity

TODAY = "2026-11-24"
GENERATED_ID = re.compile(r"^[0-9a-f]{32}$")


def sample(text: str, name: str, **labels: str) -> float | None:
    """The value of one series in a Prometheus text exposition, or None when it is absent."""
    rendered = ",".join(f'{key}="{value}"' for key, value in labels.items())
    wanted = f"{name}{{{rendered}}}" if labels else name
    for line in text.splitlines():
        series, _, value = line.rpartition(" ")
        if series == wanted:
            return float(value)
    return None


def json_lines(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


@contextmanager
def captured_logs() -> Iterator[io.StringIO]:
    """Point the JSON handler the latest app installed at a buffer, to read exactly what it writes."""
    handler = next(h for h in logging.getLogger().handlers if isinstance(h, JsonLogHandler))
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    try:
        yield buffer
    finally:
        handler.setStream(previous)  # type: ignore[arg-type]


def test_metrics_count_requests_by_route_template(client: TestClient) -> None:
    first = entity(client, "Acme Holdings Ltd.")["id"]
    second = entity(client, "Beta Ports Ltd.")["id"]
    for entity_id in (first, second, first):
        assert client.get(f"/v1/entities/{entity_id}").status_code == 200
    assert client.get("/v1/entities/999999").status_code == 404
    assert client.get("/no/such/path/42").status_code == 404
    assert client.delete("/healthz").status_code == 405
    assert client.get("/openapi.json").status_code == 200
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    text = response.text
    assert "# TYPE http_requests_total counter" in text
    assert "# TYPE http_request_duration_seconds histogram" in text
    route = "/v1/entities/{entity_id}"
    assert sample(text, "http_requests_total", method="GET", route=route, status="200") == 3
    assert sample(text, "http_requests_total", method="GET", route=route, status="404") == 1
    assert sample(text, "http_requests_total", method="POST", route="/v1/entities", status="201") == 2
    assert sample(text, "http_requests_total", method="GET", route="<unmatched>", status="404") == 1
    assert sample(text, "http_requests_total", method="DELETE", route="/healthz", status="405") == 1
    assert sample(text, "http_requests_total", method="GET", route="/openapi.json", status="200") == 1
    assert sample(text, "http_request_duration_seconds_count", method="GET", route=route) == 4
    assert sample(text, "http_request_duration_seconds_bucket", method="GET", route=route, le="+Inf") == 4
    assert (sample(text, "http_request_duration_seconds_sum", method="GET", route=route) or 0) > 0
    # Raw paths never become labels, so the number of series stays bounded by the routes.
    assert f'route="/v1/entities/{first}"' not in text and "/no/such/path" not in text


def test_metrics_from_the_database_count_scores_imports_and_deals(
    client: TestClient, seeded: Engine, settings: Settings
) -> None:
    with Session(seeded) as session:
        deal_ids = list(session.exec(select(Deal.id)))
    for deal_id in deal_ids:
        assert client.post(f"/v1/deals/{deal_id}/score", params={"as_of": TODAY}).status_code == 201
    text = client.get("/metrics").text
    assert sample(text, "fdi_database_up") == 1
    assert sample(text, "fdi_scores_total", tier="high") == 2
    assert sample(text, "fdi_scores_total", tier="critical") == 1
    assert sample(text, "fdi_scores_total", tier="low") == 0
    assert sample(text, "fdi_list_imports_total", list="US-DOD-1260H") == 1
    assert sample(text, "fdi_list_imports_total", list="US-OFAC-SDN") == 0
    assert sample(text, "fdi_deals") == 3
    # A restarted process starts its request counters at zero but still reports what the database holds.
    with TestClient(create_app(settings)) as restarted:
        text = restarted.get("/metrics").text
    assert sample(text, "http_requests_total", method="POST", route="/v1/deals/{deal_id}/score", status="201") is None
    assert sample(text, "fdi_scores_total", tier="high") == 2 and sample(text, "fdi_deals") == 3


def test_request_id_is_generated_and_echoed(client: TestClient) -> None:
    first = client.get("/healthz").headers["X-Request-ID"]
    second = client.get("/healthz").headers["X-Request-ID"]
    assert GENERATED_ID.match(first) and GENERATED_ID.match(second) and first != second
    kept = client.get("/healthz", headers={"X-Request-ID": "lb-7f3a:trace/42@edge"})
    assert kept.headers["X-Request-ID"] == "lb-7f3a:trace/42@edge"


@pytest.mark.parametrize("incoming", ["x" * 101, "has spaces", '"quoted"', "<script>", "semi;colon", ""])
def test_an_unsafe_incoming_request_id_is_replaced(client: TestClient, incoming: str) -> None:
    echoed = client.get("/healthz", headers={"X-Request-ID": incoming}).headers["X-Request-ID"]
    assert echoed != incoming and GENERATED_ID.match(echoed)


def test_a_request_id_of_100_characters_is_kept(client: TestClient) -> None:
    incoming = "a" * 100
    assert client.get("/healthz", headers={"X-Request-ID": incoming}).headers["X-Request-ID"] == incoming


def test_error_responses_carry_the_request_id(client: TestClient) -> None:
    """Problem+json errors from the app and 413s the body limit sends on its own: the request log middleware
    wraps the body limit, so they all get the header."""
    too_big = {"title": "x" * (70 * 1024)}
    cases = [
        (client.get("/v1/deals/999999", headers={"X-Request-ID": "req-404"}), 404, "req-404"),
        (client.post("/v1/deals", json={"title": ""}, headers={"X-Request-ID": "req-422"}), 422, "req-422"),
        (client.post("/v1/deals", json=too_big, headers={"X-Request-ID": "req-413"}), 413, "req-413"),
        (client.get("/v1/deals/999999"), 404, None),
    ]
    for response, status, request_id in cases:
        assert response.status_code == status, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["X-Request-ID"] == (request_id or response.headers["X-Request-ID"])
        assert GENERATED_ID.match(response.headers["X-Request-ID"]) or request_id
    # Refused on the declared length before routing: still counted, as unmatched.
    metrics = client.get("/metrics").text
    assert sample(metrics, "http_requests_total", method="POST", route="<unmatched>", status="413") == 1


def test_a_chunked_body_over_the_limit_is_a_413_with_the_request_id(client: TestClient) -> None:
    streamed = iter([b'{"title": "', b"x" * (70 * 1024), b'"}'])
    response = client.post("/v1/deals", content=streamed, headers={"X-Request-ID": "req-413-chunked"})
    assert response.headers["X-Request-ID"] == "req-413-chunked"
    assert response.status_code == 413 and response.headers["content-type"] == "application/problem+json"
    metrics = client.get("/metrics").text
    assert sample(metrics, "http_requests_total", method="POST", route="<unmatched>", status="413") == 1


@pytest.fixture
def failing_app(settings: Settings) -> Iterator[FastAPI]:
    """The real app plus one route that fails and one that logs, to see what the middleware does with them."""
    app = create_app(settings)

    @app.get("/test/boom")
    def boom() -> None:
        raise RuntimeError("the disk is on fire")

    @app.get("/test/log/{thing}")
    def log_something(thing: str) -> dict[str, str]:
        logging.getLogger("app.test").warning("looked at %s", thing)
        return {"thing": thing}

    yield app


def test_an_unhandled_error_is_a_problem_500_with_the_request_id(failing_app: FastAPI) -> None:
    with TestClient(failing_app, raise_server_exceptions=False) as client, captured_logs() as logs:
        response = client.get("/test/boom", headers={"X-Request-ID": "req-500"})
        metrics = client.get("/metrics").text
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["X-Request-ID"] == "req-500"
    assert response.json()["type"] == "https://fdi-risk.dev/problems/internal-error"
    assert "req-500" in response.json()["detail"] and "fire" not in response.text
    assert sample(metrics, "http_requests_total", method="GET", route="/test/boom", status="500") == 1
    (line,) = [r for r in json_lines(logs.getvalue()) if r.get("request_id") == "req-500"]
    assert line["level"] == "ERROR" and line["status"] == 500 and "the disk is on fire" in line["exc_info"]


def test_log_lines_are_json_with_the_request_fields(failing_app: FastAPI, api_keys: dict[Role, str]) -> None:
    headers = {"Authorization": f"Bearer {api_keys[Role.viewer]}"}
    with TestClient(failing_app, headers=headers) as client, captured_logs() as logs:
        client.get("/test/log/cranes", headers={"X-Request-ID": "req-log"})
        client.get("/v1/deals/424242", headers={"X-Request-ID": "req-missing"})
        client.get("/healthz", headers={"X-Request-ID": "req-probe"})
    lines = json_lines(logs.getvalue())  # every line parses as one JSON object
    for line in lines:
        assert {"time", "level", "logger", "message", "request_id"} <= line.keys()
    inside = next(r for r in lines if r["logger"] == "app.test")
    assert (
        inside["message"] == "looked at cranes" and inside["request_id"] == "req-log" and inside["level"] == "WARNING"
    )
    (missing,) = [r for r in lines if r["logger"] == "app.requests" and r["request_id"] == "req-missing"]
    assert missing["method"] == "GET" and missing["route"] == "/v1/deals/{deal_id}"
    assert missing["path"] == "/v1/deals/424242" and missing["status"] == 404 and missing["level"] == "INFO"
    assert isinstance(missing["duration_ms"], float) and missing["duration_ms"] >= 0
    assert missing["message"] == "GET /v1/deals/{deal_id} 404"
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$", missing["time"])
    # Load-balancer probes log at DEBUG, so at the default INFO level they do not flood the logs.
    assert not [r for r in lines if r["request_id"] == "req-probe"]


def test_log_level_comes_from_the_settings(settings: Settings) -> None:
    quiet = settings.model_copy(update={"log_level": "warning"})
    with TestClient(create_app(quiet)) as client, captured_logs() as logs:
        client.get("/v1/deals/424242", headers={"X-Request-ID": "req-quiet"})
    assert "req-quiet" not in logs.getvalue()
    verbose = settings.model_copy(update={"log_level": "DEBUG"})
    with TestClient(create_app(verbose)) as client, captured_logs() as logs:
        client.get("/healthz", headers={"X-Request-ID": "req-debug"})
    lines = json_lines(logs.getvalue())
    (probe,) = [r for r in lines if r["request_id"] == "req-debug" and r["logger"] == "app.requests"]
    assert probe["level"] == "DEBUG" and probe["route"] == "/healthz"
    with pytest.raises(ValueError, match="LOUD"):
        create_app(settings.model_copy(update={"log_level": "loud"}))


def test_shutdown_closes_the_database_connections(settings: Settings) -> None:
    app = create_app(settings)
    with captured_logs() as logs:
        with TestClient(app) as client:
            assert client.get("/readyz").status_code == 200
            pool = app.state.engine.pool
            assert pool.checkedin() >= 1
        # dispose() closes the pooled connections and replaces the pool with a fresh, empty one.
        assert app.state.engine.pool is not pool and app.state.engine.pool.checkedin() == 0
    assert any(r["message"].startswith("fdi-risk stopped") for r in json_lines(logs.getvalue()))


def test_without_a_usable_database_metrics_still_answer_and_readiness_fails(tmp_path: Path) -> None:
    unmigrated = Settings(database_url=f"sqlite:///{tmp_path / 'empty.db'}")
    with TestClient(create_app(unmigrated)) as client:
        assert client.get("/healthz").status_code == 200
        assert client.get("/readyz").status_code == 503
        response = client.get("/metrics")
    assert response.status_code == 200
    assert sample(response.text, "fdi_database_up") == 0 and sample(response.text, "fdi_deals") is None
    assert sample(response.text, "http_requests_total", method="GET", route="/readyz", status="503") == 1


def test_health_and_readiness(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ok"
    assert ready.json()["revision"] == ready.json()["head"]
