"""The API key the crash tests send: an admin key created in the test database before the server starts."""

import pytest

from app.db.engine import make_engine
from app.db.session import unit_of_work


@pytest.fixture
def admin_headers(db_url: str) -> dict[str, str]:
    """`Authorization: Bearer KEY` for an admin key in the test database (imports need admin)."""
    try:
        from app.services.keys import create_key
    except ImportError:  # before API keys exist every request is let through; any token will do
        return {"Authorization": "Bearer placeholder-until-api-keys-exist"}
    engine = make_engine(db_url)
    try:
        with unit_of_work(engine) as session:
            _, key = create_key(session, name="crash-test-admin", role="admin")
    finally:
        engine.dispose()
    return {"Authorization": f"Bearer {key}"}
