"""Skips that are failures in CI: a missing PostgreSQL (TEST_DATABASE_URL) or browser must not
leave CI green with those tests quietly skipped. Locally (CI unset) they still skip."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def in_ci() -> bool:
    """CI=true (what GitHub Actions, GitLab CI and most others set; .ci/run checks it too)."""
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def skip_or_fail_in_ci(reason: str, *, allow_module_level: bool = False) -> NoReturn:
    if in_ci():
        pytest.fail(f"{reason} (CI=true: this test must run in CI, not skip)", pytrace=False)
    pytest.skip(reason, allow_module_level=allow_module_level)
