"""A list's content digest must not change when the code computing it does: identical content imported before
and after an upgrade must still be recognised as identical (and write nothing)."""

import hashlib
import io
import json
import zipfile
from dataclasses import asdict
from pathlib import Path

import pytest

from app.screening.importers import PARSERS
from app.screening.importers.base import ParsedEntry, ParseResult

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "lists"
SEEDS = Path(__file__).resolve().parents[3] / "seeds" / "lists"


def _zip(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.iterdir()):
            archive.write(path, path.name)
    return buffer.getvalue()


def _digest_as_first_defined(entries: list[ParsedEntry]) -> str:
    """The digest as it was first written: every field through `asdict`, late fields only when set."""
    h = hashlib.sha256()
    for entry in entries:
        fields = asdict(entry)
        for late in ("kind", "source_list"):
            if fields[late] is None:
                del fields[late]
        h.update(json.dumps(fields, sort_keys=True, default=str, ensure_ascii=False).encode())
        h.update(b"\n")
    return h.hexdigest()


@pytest.mark.parametrize(
    ("fmt", "content"),
    [
        ("dod_1260h_csv", (SEEDS / "us_dod_1260h.csv").read_bytes()),
        ("csl_csv", (FIXTURES / "csl_consolidated_29col.csv").read_bytes()),
        ("ofac_sdn_csv", _zip(FIXTURES / "ofac_sdn_small")),
        ("ofac_sdn_xml", (FIXTURES / "sdn_sample.xml").read_bytes()),
        ("ftm_jsonl", (FIXTURES / "ftm_sample.jsonl").read_bytes()),
    ],
)
def test_the_digest_of_every_format_is_the_one_it_always_was(fmt: str, content: bytes) -> None:
    entries = PARSERS[fmt](content).entries
    assert entries
    assert ParseResult(entries=entries).digest() == _digest_as_first_defined(entries)
