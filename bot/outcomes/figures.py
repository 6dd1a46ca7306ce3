"""One scorecard's figures and how they are summed: counts from SQL aggregates, times to first
touch streamed in (seconds of working time), and the percentiles and shares read off them.

Definitions (the README's *Scorecards* section says the same for users):

- *touched within the SLA*: first touched within `HOT_LEAD_SLA` of the owner's working time
  after the lead arrived (the ladder's clock); the share is of all the period's leads.
- *median*: the middle time (the mean of the two middle ones for an even count);
  *90th percentile*: nearest rank, the smallest time at or above which 10% of times lie
  (`sorted[ceil(0.9 n) - 1]`).
- *conversion*: won ÷ leads, and hot leads won ÷ hot leads.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta


@dataclass(frozen=True)
class Counts:
    """What SQL counts for a group of leads (one row of the aggregate query, or their sum)."""

    leads: int = 0
    hot: int = 0
    touched: int = 0  # first touched at some time (a button, a stage, a CRM)
    # Reached `working` (Contacted) or beyond, or `lost` (a lead disqualified straight from
    # `new` was never contacted); a lead marked contacted before stages existed counts too.
    contacted: int = 0
    meetings: int = 0  # reached `meeting` or beyond
    opportunities: int = 0  # reached `opportunity` or beyond
    won: int = 0  # stands at `won`
    hot_won: int = 0
    lost: int = 0
    disqualified: int = 0
    not_fit: int = 0  # marked "Not a fit" in Slack

    def __add__(self, other: Counts) -> Counts:
        return Counts(*(a + b for a, b in zip(_values(self), _values(other), strict=True)))


def _values(counts: Counts) -> tuple[int, ...]:
    return tuple(getattr(counts, name) for name in Counts.__dataclass_fields__)


def median(ordered: list[float]) -> float | None:
    if not ordered:
        return None
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def nearest_rank(ordered: list[float], share: float) -> float | None:
    """The nearest-rank percentile (`share` in 0..1) of an ascending list."""
    if not ordered:
        return None
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def ratio(part: int, whole: int) -> float | None:
    """part ÷ whole, or None when there is nothing to divide by."""
    return part / whole if whole else None


def _seconds(value: float | None) -> timedelta | None:
    return None if value is None else timedelta(seconds=value)


@dataclass
class Tally:
    """A scorecard being summed; `Scorecard.of(tally)` freezes it."""

    counts: Counts = field(default_factory=Counts)
    within_sla: int = 0
    touch_seconds: list[float] = field(default_factory=list)
    not_fit_reasons: Counter[str] = field(default_factory=Counter)
    feedback_tags: Counter[str] = field(default_factory=Counter)
    feedback: int = 0  # reps' feedback lines (lead-quality reasons are in not_fit_reasons)

    def touch(self, seconds: float, *, within_sla: bool) -> None:
        self.touch_seconds.append(seconds)
        self.within_sla += within_sla


@dataclass(frozen=True)
class Scorecard:
    """The figures of one campaign, one owner or the whole team over one period."""

    counts: Counts
    within_sla: int
    median_first_touch: timedelta | None  # working time, over the touched leads
    p90_first_touch: timedelta | None
    not_fit_reasons: dict[str, int]  # reason code -> leads, most first (see NOT_FIT_REASONS)
    feedback_tags: dict[str, int]  # #tag -> reps' feedback lines, most first
    feedback: int

    @classmethod
    def of(cls, tally: Tally) -> Scorecard:
        ordered = sorted(tally.touch_seconds)
        return cls(
            counts=tally.counts,
            within_sla=tally.within_sla,
            median_first_touch=_seconds(median(ordered)),
            p90_first_touch=_seconds(nearest_rank(ordered, 0.9)),
            not_fit_reasons=_most_first(tally.not_fit_reasons),
            feedback_tags=_most_first(tally.feedback_tags),
            feedback=tally.feedback,
        )

    # The counts, read directly: card.leads, card.won …
    @property
    def leads(self) -> int:
        return self.counts.leads

    @property
    def hot(self) -> int:
        return self.counts.hot

    @property
    def touched(self) -> int:
        return self.counts.touched

    @property
    def contacted(self) -> int:
        return self.counts.contacted

    @property
    def meetings(self) -> int:
        return self.counts.meetings

    @property
    def opportunities(self) -> int:
        return self.counts.opportunities

    @property
    def won(self) -> int:
        return self.counts.won

    @property
    def within_sla_share(self) -> float | None:
        """Leads touched within the SLA ÷ leads (0..1), None without leads."""
        return ratio(self.within_sla, self.counts.leads)

    @property
    def conversion(self) -> float | None:
        """Won ÷ leads (0..1)."""
        return ratio(self.counts.won, self.counts.leads)

    @property
    def hot_conversion(self) -> float | None:
        """Hot leads won ÷ hot leads (0..1)."""
        return ratio(self.counts.hot_won, self.counts.hot)


def _most_first(counter: Counter[str]) -> dict[str, int]:
    return dict(sorted(counter.items(), key=lambda item: (-item[1], item[0])))


EMPTY = Scorecard.of(Tally())
