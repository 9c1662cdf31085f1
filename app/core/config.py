"""Settings, read from the environment (prefix FDI_) and injected where needed — never read at import time."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FDI_", env_file=None, extra="ignore")

    database_url: str = Field(
        default=f"sqlite:///{REPO_ROOT / 'fdi-risk.db'}",
        description="SQLAlchemy URL. SQLite file by default; postgresql+psycopg://... in production.",
    )
    seeds_dir: Path = Field(default=REPO_ROOT / "seeds", description="Folder holding the seed YAML files.")
    host: str = "127.0.0.1"
    port: int = 8000
    default_page_size: int = Field(default=50, ge=1)
    max_page_size: int = Field(default=200, ge=1, description="Hard maximum for `limit` on every list endpoint.")
    max_body_bytes: int = Field(default=1_048_576, ge=1024, description="Largest accepted JSON request body.")
    max_list_file_bytes: int = Field(
        default=100 * 1_048_576,
        ge=1024,
        description="Largest accepted file upload (POST /v1/lists/{code}/import, POST /v1/deals/import); see "
        "docs/limits.md.",
    )
    public_reads: bool = Field(
        default=False,
        description="Let requests without a key read (viewer routes). Writes always need a key.",
    )
    log_level: str = "INFO"
    sql_echo: bool = False


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings; tests build their own Settings instead of calling this."""
    return Settings()
