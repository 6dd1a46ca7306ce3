"""A sample context for every template in templates/, for the hostile-template test.

That test renders every `templates/*.json.j2` with hostile text (quotes, newlines, `<!channel>`,
`&`, 10,000 characters, emoji, right-to-left text ...) and fails for a template that has no
entry here. When you add a template, register one or more sample contexts for it in
the module of its feature (campaigns, leads, ladder, feedback, digest, home, erasure; shared builders in
shared.py), and import a new module below:

    @sample("lead_alert")                       # kind="view" for modals and the Home tab
    def lead_alert_new(hostile: str) -> dict:
        return {"lead": make_lead(name=hostile, company=hostile, note=hostile), ...}

Put `hostile` wherever a person or a CRM supplies text (names, notes, briefs, feedback ...):
the test checks that it shows up, escaped, and pings nobody. Keep ids and other app data
realistic. `user_text=False` marks a variant with no such text. A template that is only ever
`{% include %}`d by others is registered with `partial("name", "includer", ...)` instead.
"""

from tests.support.samples import (
    campaigns,
    digest,
    erasure,
    feedback,
    home,
    ladder,
    leads,
    reports,
)
from tests.support.samples.registry import PARTIALS, SAMPLES, TemplateSample

FEATURES = (
    campaigns,
    digest,
    erasure,
    feedback,
    home,
    ladder,
    leads,
    reports,
)  # imported for their registrations

__all__ = ["PARTIALS", "SAMPLES", "TemplateSample"]
