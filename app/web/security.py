"""What every dashboard response carries, and the two checks a form POST passes: a same-origin request and a
safe place to go next. Pure.

The pages run no script at all, so the Content-Security-Policy allows none; styles come only from the one CSS
file; images only from the app itself or `data:` URLs (the inline SVG charts are part of the page, not images).
"""

from urllib.parse import urlsplit

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    # Pages show who may do what to which deal: no shared or back-button cache keeps them after sign-out.
    "Cache-Control": "no-store",
}
STATIC_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}


def _origin_host(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return parts.netloc.lower()


def same_origin(origin: str | None, referer: str | None, host: str | None) -> bool:
    """Whether a form POST comes from a page of this site: its Origin (or, when a browser sends none, its
    Referer) names the host the request was sent to. A request with neither is refused: every browser sends
    Origin on a form POST, so only a non-browser client lacks both, and it can send one."""
    if not host:
        return False
    if origin is not None and origin != "null":
        return _origin_host(origin) == host.lower()
    if referer:
        return _origin_host(referer) == host.lower()
    return False


def safe_next(value: str | None, default: str = "/") -> str:
    """A path on this site to go to after signing in; anything else (another site, `//host`, a scheme,
    backslashes, control characters) falls back to `default`."""
    if not value or not value.startswith("/") or value.startswith("//"):
        return default
    if "\\" in value or any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return default
    return value
