"""The fake Slack's opt-in rate limits (sandbox/fakeslack/limits.py), through its Web API."""

from __future__ import annotations

from sandbox.fakeslack import FakeSlack

TOKEN = "xoxb-test"


def post(fake: FakeSlack, channel: str) -> int:
    return fake.handle("chat.postMessage", {"channel": channel, "text": "hi"}, TOKEN).status


def test_off_by_default() -> None:
    fake = FakeSlack()
    fake.add_channel("CSALES", "sales")
    assert {post(fake, "CSALES") for _ in range(20)} == {200}


def test_posts_past_a_short_burst_in_one_channel_are_refused_with_retry_after() -> None:
    fake = FakeSlack()
    fake.add_channel("CSALES", "sales")
    fake.add_channel("CMARKETING", "marketing")
    limits = fake.enforce_rate_limits()
    assert [post(fake, "CSALES") for _ in range(4)] == [200, 200, 200, 429]
    assert post(fake, "CMARKETING") == 200  # per channel
    refused = fake.handle("chat.postMessage", {"channel": "CSALES", "text": "x"}, TOKEN)
    assert refused.status == 429 and int(refused.headers["Retry-After"]) >= 1
    assert limits.refused == {"chat.postMessage": 2}


def test_tier_three_methods_allow_a_burst_then_refuse() -> None:
    fake = FakeSlack()
    fake.add_user("UREP1", "Rita Rep", email="rita@example.com")
    fake.enforce_rate_limits()
    answers = [
        fake.handle("users.lookupByEmail", {"email": "rita@example.com"}, TOKEN).status
        for _ in range(7)
    ]
    assert answers == [200] * 5 + [429] * 2
