"""The outbox's pacing by Slack tier (bot/outbox/pacing.py), on a controlled clock."""

from __future__ import annotations

from bot.outbox.pacing import BURST, SHARE, Pacer


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_tier_three_method_gets_a_burst_then_its_share_of_fifty_a_minute() -> None:
    clock = Clock()
    pacer = Pacer(clock)
    assert [pacer.delay("chat.update") for _ in range(int(BURST))] == [0.0] * int(BURST)
    wait = pacer.delay("chat.update")
    assert abs(wait - 60 / (50 * SHARE)) < 1e-9
    clock.now += wait
    assert pacer.delay("chat.update") == 0.0
    assert pacer.delay("chat.update") > 0


def test_methods_are_paced_apart_and_posts_not_at_all() -> None:
    pacer = Pacer(Clock())
    for _ in range(int(BURST)):
        pacer.delay("chat.update")
    assert pacer.delay("chat.update") > 0
    assert pacer.delay("views.publish") == 0.0
    assert all(pacer.delay("chat.postMessage") == 0.0 for _ in range(100))
