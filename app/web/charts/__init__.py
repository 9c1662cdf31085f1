"""Server-rendered SVG charts built from plain data: no FastAPI, no session, no JavaScript. Pure."""
