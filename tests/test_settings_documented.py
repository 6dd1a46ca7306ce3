"""Every setting `bot.config` reads is in the README's settings table and in .env.example."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_setting_is_documented() -> None:
    source = (ROOT / "bot" / "config.py").read_text()
    names = set(re.findall(r'env, "([A-Z_]+)"', source))
    assert {"RETENTION", "METRICS_TOKEN", "LOG_FORMAT", "SLACK_BOT_TOKEN"} <= names
    readme = (ROOT / "README.md").read_text()
    example = (ROOT / ".env.example").read_text()
    for name in sorted(names):
        assert f"| `{name}` |" in readme, f"{name} is not in the README's settings table"
        assert re.search(rf"^{name}=", example, re.M), f"{name} is not in .env.example"
