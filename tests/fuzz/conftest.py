"""Counts the generated API calls so a run reports how much fuzzing it did."""

import pytest

CALLS: dict[str, int] = {}


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if CALLS:
        terminalreporter.write_line(
            f"schemathesis: {sum(CALLS.values())} generated requests across {len(CALLS)} operation runs"
        )
