"""API keys and the audit log as the API shows them."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from app.vocabulary import Role


class KeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100, pattern=r"^[\w.@-]+( [\w.@-]+)*$", examples=["dana-analyst"])
    role: Role = Field(examples=["analyst"])


_KEY_EXAMPLE: JsonDict = {
    "id": 2,
    "name": "dana-analyst",
    "role": "analyst",
    "prefix": "fdi_Xq3v9KcZ",
    "created_at": "2026-11-24T09:00:00Z",
    "created_by": "local-admin",
    "revoked_at": None,
}


class KeyPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [_KEY_EXAMPLE]})

    id: int
    name: str = Field(examples=["dana-analyst"])
    role: Role
    prefix: str = Field(description="The key's first characters, to tell keys apart.", examples=["fdi_Xq3v9KcZ"])
    created_at: datetime
    created_by: str = Field(examples=["local-admin"])
    revoked_at: datetime | None = None


class KeyCreated(KeyPublic):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{**_KEY_EXAMPLE, "key": "fdi_Xq3v9KcZ2mWJ8bT0yLr5uPq1sHn7dVe4aFg6kCiO3zQ"}]}
    )

    key: str = Field(description="The key itself. Shown this once; only its digest is stored.")


class AuditEventPublic(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": 412,
                    "at": "2026-11-24T10:02:11Z",
                    "actor": "dana-analyst",
                    "action": "update",
                    "object_type": "deal",
                    "object_id": "3",
                    "before": {"id": 3, "status": "proposed", "version": 1},
                    "after": {"id": 3, "status": "signed", "version": 2},
                }
            ]
        },
    )

    id: int
    at: datetime
    actor: str = Field(description="Name of the API key that made the change.", examples=["dana-analyst"])
    action: str = Field(examples=["update"])
    object_type: str = Field(examples=["deal"])
    object_id: str = Field(examples=["1"])
    before: dict[str, Any] | None = Field(default=None, description="The object before the change.")
    after: dict[str, Any] | None = Field(default=None, description="The object after the change.")
