"""sources.toml: a good file loads; a bad one names the source and the key in one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.sources.config import SourcesError, load_sources
from bot.states import LeadStage
from tests.support.sources import SECRETS, sources_toml


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "sources.toml"
    path.write_text(text)
    return str(path)


def test_the_full_example_loads(tmp_path: Path) -> None:
    sources = load_sources(write(tmp_path, sources_toml()), SECRETS)
    assert list(sources) == [
        "hubspot",
        "hubspot-workflow",
        "salesforce",
        "typeform",
        "pipedrive",
        "zapier",
    ]
    assert sources["hubspot"].auth == "signature" and sources["hubspot"].token
    assert sources["salesforce"].auth == "key" and sources["salesforce"].display == "Salesforce"
    assert sources["pipedrive"].display == "Pipedrive"
    assert sources["zapier"].fields["name"] == ("lead.first", "lead.last")
    assert sources["zapier"].stages["demo booked"] is LeadStage.MEETING


def test_the_readme_example_loads(tmp_path: Path) -> None:
    readme = (Path(__file__).parents[3] / "README.md").read_text()
    start = readme.index("```toml\n# sources.toml") + len("```toml\n")
    example = readme[start : readme.index("```", start)]
    env = {
        name: "s" * 32
        for name in (
            "HUBSPOT_CLIENT_SECRET",
            "HUBSPOT_TOKEN",
            "SALESFORCE_KEY",
            "TYPEFORM_SECRET",
            "PIPEDRIVE_PASSWORD",
            "ZAPIER_SECRET",
            "HUBSPOT_WORKFLOW_KEY",
        )
    }
    assert len(load_sources(write(tmp_path, example), env)) >= 5


@pytest.mark.parametrize(
    ("text", "where", "problem"),
    [
        ('[x]\ntype = "marketo"\nsecret_env = "S"', "[x] type", "must be one of"),
        ('[x]\ntype = "json"', "[x] secret_env", "is required"),
        ('[x]\ntype = "json"\nsecret_env = "NOPE"', "[x] secret_env", "NOPE is not set"),
        ('[x]\ntype = "json"\nsecret_env = "S"\nauth = "hmac"', "[x] header", "signature"),
        ('[x]\ntype = "json"\nsecret_env = "S"\nauth = "bearer"', "[x] fields", "id and name"),
        (
            '[x]\ntype = "hubspot"\nsecret_env = "S"\nauth = "basic"',
            "[x] auth",
            "signature, header",
        ),
        ('[x]\ntype = "salesforce"\nsecret_env = "S"', "[x] organization_id", "required"),
        ('[x]\ntype = "hubspot"\nsecret_env = "S"\nscret = 1', "[x] scret", "not a setting"),
        ('[x]\ntype = "hubspot"\nsecret_env = "S"\n[x.fields]\nnom = "a"', "fields.nom", "not"),
        ('[x]\ntype = "hubspot"\nsecret_env = "S"\n[x.stages]\nNEW = "hot"', "stages.NEW", "one"),
        ('[x]\ntype = "hubspot"\nsecret_env = "S"\ntoken_env = "T"', "[x] token_env", "not set"),
        ('["Bad Name"]\ntype = "json"', "[Bad Name]", "lower-case"),
        ("[x\n", "sources.toml", "not valid TOML"),
    ],
)
def test_a_bad_file_names_the_source_and_key(
    tmp_path: Path, text: str, where: str, problem: str
) -> None:
    with pytest.raises(SourcesError) as raised:
        load_sources(write(tmp_path, text), {"S": "a-secret-of-16-chars+"})
    assert where in str(raised.value) and problem in str(raised.value)
    assert "\n" not in str(raised.value).strip() or "TOML" in str(raised.value)


def test_no_file_is_no_sources_unless_named(tmp_path: Path) -> None:
    assert load_sources(str(tmp_path / "sources.toml"), {}) == {}
    with pytest.raises(SourcesError, match="SOURCES_FILE"):
        load_sources(str(tmp_path / "missing.toml"), {}, required=True)


def test_a_bad_sources_file_stops_startup_with_one_line(tmp_path: Path) -> None:
    from tests.support.app_process import app_env, run_app

    (tmp_path / "sources.toml").write_text('[hubspot]\ntype = "hubspot"\nsecret_env = "NOT_SET"\n')
    env = app_env("http://127.0.0.1:9/api/", f"sqlite:///{tmp_path / 'h.db'}")
    env.pop("NOT_SET", None)
    done = run_app("run", env=env, cwd=tmp_path)
    assert done.returncode == 3
    assert done.stderr.strip() == (
        "Configuration error: sources.toml [hubspot] secret_env: the environment variable "
        "NOT_SET is not set; set it to the secret (16+ characters)"
    )


def test_public_url_and_sources_file_settings() -> None:
    from bot.config import ConfigError, load_settings

    settings = load_settings({"PUBLIC_URL": "https://handoff.example.com/", "SOURCES_FILE": "x"})
    assert settings.public_url == "https://handoff.example.com"
    assert (settings.sources_file, settings.sources_file_required) == ("x", True)
    assert load_settings({}).sources_file_required is False
    with pytest.raises(ConfigError, match="PUBLIC_URL"):
        load_settings({"PUBLIC_URL": "handoff.example.com"})
