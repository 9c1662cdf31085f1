"""What the sync and async clients share about the connection: base URL, headers, timeouts, environment,
and turning a failure to reach the server into `FdiRiskUnavailable`."""

import os
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import httpx

from app.client.calls import Call
from app.client.errors import FdiRiskUnavailable

DEFAULT_URL = "http://127.0.0.1:8000"
DEFAULT_TIMEOUT = 30.0
Timeout = float | httpx.Timeout


def _user_agent() -> str:
    try:
        return f"fdi-risk-client/{version('fdi-risk')}"
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "fdi-risk-client"


@dataclass(frozen=True)
class Connection:
    """Where and how to send: the base URL, the headers of every request (Authorization when an API key is
    given) and the per-request timeout, which only overrides an injected httpx client's own when given."""

    base_url: str
    api_key: str | None
    timeout: Timeout | None

    @classmethod
    def from_env(cls, base_url: str | None, api_key: str | None, timeout: Timeout | None) -> "Connection":
        """Arguments first, then FDI_URL and FDI_API_KEY, then the local default server."""
        return cls(
            base_url=(base_url or os.environ.get("FDI_URL") or DEFAULT_URL).rstrip("/"),
            api_key=api_key or os.environ.get("FDI_API_KEY") or None,
            timeout=timeout,
        )

    @property
    def headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json", "User-Agent": _user_agent()}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        return headers

    def client_timeout(self) -> Timeout:
        """The timeout for an httpx client the fdi-risk client creates itself."""
        return self.timeout if self.timeout is not None else DEFAULT_TIMEOUT

    def request(self, call: Call[Any]) -> dict[str, Any]:
        """Keyword arguments for `httpx.Client.request` / `.stream` (and the async twins) for one call."""
        return {
            "method": call.method,
            "url": self.base_url + call.path,
            "params": call.params or None,
            "json": call.json,
            "files": call.files,
            "headers": self.headers | call.headers,
            "timeout": self.timeout if self.timeout is not None else httpx.USE_CLIENT_DEFAULT,
        }

    def unavailable(self, exc: httpx.TransportError) -> FdiRiskUnavailable:
        """The error for a request that got no HTTP answer: refused, unresolvable, timed out, cut off."""
        reason = str(exc) or type(exc).__name__
        if isinstance(exc, httpx.TimeoutException):
            reason = f"no answer in time ({type(exc).__name__}: {reason})"
        return FdiRiskUnavailable(self.base_url, reason)
