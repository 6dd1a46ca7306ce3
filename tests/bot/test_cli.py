"""Every `python app.py …` command says which database it uses, and, run beside the sandbox,
that it is not the sandbox's data (the CLI once worked on handoff.db in silence while the
person looked at the sandbox's handoff-sandbox.db)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import cli


def run(argv: list[str]) -> int:
    return cli.execute(cli.parse(argv))


def test_a_command_beside_the_sandbox_names_its_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", "sqlite:///handoff.db")
    (tmp_path / "handoff-sandbox.db").write_bytes(b"")
    assert run(["team", "list"]) == 0
    captured = capsys.readouterr()
    assert captured.err.splitlines()[0] == (
        "Using the SQLite database handoff.db (DATABASE_URL). The sandbox keeps its own data "
        "in handoff-sandbox.db, which this command does not use."
    )
    assert "The team is empty" in captured.out  # stdout stays the command's own output


def test_without_a_sandbox_it_names_the_database_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'other.db'}")
    assert run(["db", "upgrade"]) == 0
    err = capsys.readouterr().err
    assert (
        err.splitlines()[0] == f"Using the SQLite database {tmp_path / 'other.db'} (DATABASE_URL)."
    )
