"""The soak's 60-second version (bench/soak.py has the 10-minute one): hot leads at 20 a second
into two processes on PostgreSQL, each killed with SIGKILL and restarted every 20 s, with the
fake Slack failing about 5% of calls (429 + Retry-After, 503, answers past the client timeout).
Every accepted lead gets exactly one alert."""

from __future__ import annotations

from bench.soak import soak


def test_a_minute_of_leads_through_crashes_and_a_flaky_slack_loses_and_repeats_nothing() -> None:
    result = soak(seconds=60, rate=20, kill_every=20)
    print("\n".join(result.report()))
    assert result.kills >= 3
    assert result.chaos["429"] and result.chaos["503"] and result.chaos["slow"]
    assert len(result.accepted) >= 0.95 * result.offered  # a CRM's retries get nearly all in
    assert result.duplicates == 0, result.report()
    assert result.losses == 0, result.report()
