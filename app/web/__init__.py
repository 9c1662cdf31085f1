"""The read-only dashboard: server-rendered pages (Jinja2), SVG charts built in Python, no JavaScript.

Pages are signed in with an API key held in a cookie and need the same roles as the API; see docs/dashboard.md.
"""

from fastapi import FastAPI

from app.web.rendering import STATIC, Static
from app.web.routes import router


def install(app: FastAPI) -> None:
    """Add the pages and the /static mount (the one CSS file) to the app."""
    app.include_router(router)
    app.mount("/static", Static(directory=STATIC), name="static")
