"""The alert's words from templates/alert.j2 and alert_found.j2, times in the district's zone:
the `AlertTexts` every front end passes to tickets.alerts (chat and console alike)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from broadcasts.personalize import literal
from core.config import Settings
from core.timezone import chat_time, district_zone
from templates import render
from tickets.alert_facts import AlertFacts


@dataclass(frozen=True)
class TemplateTexts:
    tz: tzinfo

    def _at(self, moment: datetime) -> str:
        return chat_time(moment, self.tz)

    def alert(self, facts: AlertFacts) -> str:
        updates = [(self._at(at), text) for at, text in facts.updates]
        text = render("alert", f=facts, reported=self._at(facts.reported_at), updates=updates)
        return literal(text)

    def found(self, facts: AlertFacts) -> str:
        assert facts.found_at is not None
        return literal(render("alert_found", f=facts, found=self._at(facts.found_at)))


def texts_for(settings: Settings) -> TemplateTexts:
    return TemplateTexts(district_zone(settings))
