"""The API benchmark's baseline: a bare FastAPI app that answers with precomputed JSON bodies, no database.

`create_app` reads the bodies from the JSON file named by FDI_BENCH_BARE_BODIES (`{"name": "<body>", ...}`)
and serves each as `GET /bare/{name}` and `POST /bare/{name}` (which reads the request body and ignores it).
The benchmark fills the file with real answers of the endpoints it compares, so each pair sends and receives
the same number of bytes. Served as `fdi-risk serve` serves the app (same uvicorn, worker count and socket
options, through `app.cli.serving.run`):

    FDI_BENCH_BARE_BODIES=bodies.json python -m benchmarks.bare_app --port 8001 --workers 2
"""

import argparse
import json
import os
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request, Response

BODIES_ENV = "FDI_BENCH_BARE_BODIES"


def create_app() -> FastAPI:
    bodies = {name: text.encode() for name, text in json.loads(Path(os.environ[BODIES_ENV]).read_text()).items()}
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    def answer(name: str) -> Response:
        body = bodies.get(name)
        if body is None:
            raise HTTPException(status_code=404)
        return Response(content=body, media_type="application/json")

    @app.get("/readyz")
    async def readyz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/bare/{name}")
    async def read(name: str) -> Response:
        return answer(name)

    @app.post("/bare/{name}")
    async def write(name: str, request: Request) -> Response:
        await request.body()
        return answer(name)

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the bare baseline app as fdi-risk serve serves the API.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    from app.cli.serving import run

    run("benchmarks.bare_app:create_app", host=args.host, port=args.port, workers=args.workers, log_level="warning")


if __name__ == "__main__":
    main()
