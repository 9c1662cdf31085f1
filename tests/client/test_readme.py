"""The README's Python snippets run as written against a live server holding the seed data."""

import contextlib
import io
import re
from pathlib import Path

import pytest

README = Path(__file__).parents[2] / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_the_readme_has_python_snippets() -> None:
    assert len(python_blocks()) >= 2


@pytest.mark.parametrize("index", [0, 1])
def test_a_readme_snippet_prints_what_the_readme_says(
    index: int, seeded_server_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FDI_URL", seeded_server_url)
    code = python_blocks()[index]
    # The lines the snippet promises, written as comments: "# 52 high escalate" or "# 71 high escalate - Haifa ..."
    expected = [c.strip() for c in re.findall(r"^\s*[^#\n]*#\s*(\d+ [a-z]+ [a-z]+(?: - .+)?)$", code, flags=re.M)]
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code, f"README.md python block {index}", "exec"), {})
    assert expected, "each snippet states what it prints"
    for line in expected:
        assert line in [printed_line.strip() for printed_line in printed.getvalue().splitlines()], line
