"""Refuse request bodies over the configured size with 413, before the app reads them whole."""

import json
import re
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# File uploads (list and deal imports) get their own, larger limit.
UPLOAD_PATHS = re.compile(r"^/v1/(lists/[^/]+/import|deals/import)$")


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int, max_upload_bytes: int | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_upload_bytes = max_upload_bytes if max_upload_bytes is not None else max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_upload_bytes if UPLOAD_PATHS.match(scope.get("path", "")) else self.max_bytes
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(send, limit)
            return
        # Without a declared length (a chunked body) read it here, up to the limit, and replay it to the app: an
        # error raised while the framework reads the body would reach the client as a 400, not a 413.
        chunks: list[bytes] = []
        seen = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                # The client went away; let the app see the same message.
                replay_disconnect = message
                break
            body = message.get("body", b"")
            seen += len(body)
            if seen > limit:
                await self._refuse(send, limit)
                return
            chunks.append(body)
            more = bool(message.get("more_body", False))
        else:
            replay_disconnect = None
        buffered: list[Message] = [{"type": "http.request", "body": b"".join(chunks), "more_body": False}]
        if replay_disconnect is not None:
            buffered = [replay_disconnect]

        async def replay() -> Message:
            if buffered:
                return buffered.pop(0)
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, send: Send, limit: int) -> None:
        body: dict[str, Any] = {
            "type": "https://fdi-risk.dev/problems/body-too-large",
            "title": "Body too large",
            "status": 413,
            "detail": f"The request body exceeds {limit} bytes.",
            "errors": [],
        }
        payload = json.dumps(body).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/problem+json"),
                    (b"content-length", str(len(payload)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})
