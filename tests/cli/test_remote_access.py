"""What every remote command shares: the server from --url or FDI_URL, the key from --key or FDI_API_KEY, one
line for a rejected key, `screen` on a server, and an example in every command's --help."""

import pytest
from typer.testing import CliRunner

from app.cli.main import app
from app.client import FdiRiskClient
from tests.cli.conftest import AS_OF, assert_one_line_error, deal_ids, invoke

CRRC_HIT = "US-DOD-1260H  CRRC Corporation Limited  score 1.00  ('CRRC Corp' ~ 'CRRC Corporation Limited', listed since"


def keys_are_checked() -> bool:
    try:
        import app.services.keys  # noqa: F401
    except ImportError:
        return False
    return True


def test_screen_on_a_server_prints_the_same_hits_as_on_the_local_database(
    runner: CliRunner, server_url: str, api_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    local = invoke(runner, "screen", "CRRC Corp", "--as-of", AS_OF)
    remote = invoke(runner, "screen", "CRRC Corp", "--as-of", AS_OF, "--url", server_url, "--key", api_key)
    assert local.exit_code == 0 and remote.exit_code == 0, (local.output, remote.output)
    assert remote.stdout.startswith(CRRC_HIT)
    assert remote.stdout == local.stdout
    monkeypatch.setenv("FDI_URL", server_url)
    monkeypatch.setenv("FDI_API_KEY", api_key)
    from_env = invoke(runner, "screen", "Shanghai International Port Group")
    assert (from_env.exit_code, from_env.stdout) == (0, "Shanghai International Port Group: no hits\n")


def test_remote_commands_take_the_server_and_key_from_the_environment(
    runner: CliRunner, seeded_server_url: str, api_key: str, fdi: FdiRiskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FDI_URL", seeded_server_url)
    monkeypatch.setenv("FDI_API_KEY", api_key)
    result = invoke(runner, "score", str(deal_ids(fdi)["israel-chinese-evs"]), "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    assert "score           82/100" in result.stdout and "recommendation  block" in result.stdout


def test_screen_against_a_dead_server_fails_in_one_line(runner: CliRunner, dead_url: str) -> None:
    assert_one_line_error(
        invoke(runner, "screen", "CRRC Corp", "--url", dead_url), f"cannot reach the fdi-risk server at {dead_url}"
    )
    assert_one_line_error(invoke(runner, "screen", "CRRC Corp", "--as-of", "tomorrow"), "--as-of 'tomorrow'")


@pytest.mark.skipif(not keys_are_checked(), reason="this tree has no API keys: the server checks none")
def test_a_missing_or_rejected_key_says_which_and_what_to_do(
    runner: CliRunner, seeded_server_url: str, api_key: str, viewer_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FDI_API_KEY", raising=False)  # the live server fixture may set it for scripts
    server = ["--url", seeded_server_url]
    assert_one_line_error(invoke(runner, "export", "deals", *server), "401", "Pass a key with --key or set FDI_API_KEY")
    assert_one_line_error(
        invoke(runner, "rulesets", "show", *server, "--key", "fdi_not-a-key"),
        "401",
        "Check the key given with --key or FDI_API_KEY",
    )
    assert_one_line_error(
        invoke(runner, "score", "--all", *server, "--key", viewer_key), "403", "needs role analyst", "role viewer"
    )
    assert_one_line_error(invoke(runner, "rulesets", "activate", "2", *server, "--key", viewer_key), "403")
    reader = invoke(runner, "export", "deals", "--format", "json", *server, "--key", viewer_key)
    assert reader.exit_code == 0, reader.output  # a viewer may read


COMMANDS = [
    ("score",),
    ("export", "deals"),
    ("export", "scores"),
    ("rulesets", "list"),
    ("rulesets", "show"),
    ("rulesets", "simulate"),
    ("rulesets", "activate"),
    ("screen",),
]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_remote_command_explains_itself_with_an_example(command: tuple[str, ...]) -> None:
    result = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert f"Example: fdi-risk {' '.join(command)}" in result.stdout
    assert "--url" in result.stdout and "FDI_URL" in result.stdout
    assert "--key" in result.stdout and "FDI_API_KEY" in result.stdout
