"""The collection log read from the database, and the complaint drawn from it.

The rules are checked by borrowers/collection.py over all of a borrower's
contacts (a day's fourth connected call needs the three before it), then the
complaint keeps the flagged ones, optionally of one collecting party and a
period. The complaint goes to Chinese authorities, so it is always rendered in
Chinese, with the same PDF machinery and fonts as the proposal letter.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date
from itertools import groupby

from django.template.loader import render_to_string
from django.utils import timezone, translation

from borrowers.collection.rules import Breach, find_breaches, normalise_party
from borrowers.models import Borrower, CollectionContact, CollectionRule
from borrowers.pdf import printable, render_printable_pdf

COMPLAINT_LANGUAGE = "zh-hans"
ALLOWED_CONTROLS = "\n\r\t"


def unprintable_characters(text: str) -> list[str]:
    """Characters of ``text`` that no PDF font can draw (the Noto subset, or the
    supplement for rare characters such as 𪚥), and control characters other
    than line breaks and tabs, each once, in order."""

    missing = printable(text)[1]
    for char in unicodedata.normalize("NFC", text):
        control = unicodedata.category(char) == "Cc" and char not in ALLOWED_CONTROLS
        if control and char not in missing:
            missing.append(char)
    return missing


@dataclass
class LogEntry:
    contact: CollectionContact
    breaches: list[Breach]

    @property
    def notes_one_line(self) -> str:
        return " ".join(self.contact.notes.split())


@dataclass
class LogDay:
    day: date
    entries: list[LogEntry]


@dataclass
class CollectionLog:
    entries: list[LogEntry]  # newest first
    rules: list[CollectionRule]

    @property
    def days(self) -> list[LogDay]:
        def local_day(entry):
            return timezone.localtime(entry.contact.occurred_at).date()

        return [LogDay(day, list(group)) for day, group in groupby(self.entries, key=local_day)]

    @property
    def flagged(self) -> list[LogEntry]:
        return [e for e in self.entries if e.breaches]

    @property
    def breach_count(self) -> int:
        return sum(len(e.breaches) for e in self.entries)


def active_rules() -> list[CollectionRule]:
    return list(CollectionRule.objects.filter(active=True))


def build_log(contacts) -> CollectionLog:
    """The log of ``contacts`` (a queryset already scoped to one borrower)."""
    rows = list(contacts.select_related("debt").order_by("occurred_at", "pk"))
    rules = active_rules()
    found = find_breaches(
        [row.as_contact() for row in rows], rules, timezone.get_current_timezone()
    )
    entries = [LogEntry(row, found.get(row.pk, [])) for row in reversed(rows)]
    return CollectionLog(entries=entries, rules=rules)


def party_choices(log: CollectionLog) -> list[tuple[str, str]]:
    """The collecting parties of the flagged contacts, as (key, label), by label."""
    labels: dict[str, str] = {}
    for entry in log.flagged:
        labels.setdefault(normalise_party(entry.contact.party), entry.contact.party)
    return sorted(labels.items(), key=lambda item: item[1])


@dataclass
class Party:
    label: str
    collectors: list[str] = field(default_factory=list)


@dataclass
class RuleSummary:
    rule: CollectionRule
    entries: list[LogEntry]

    @property
    def days(self) -> list[str]:
        """The local days of the contacts, as YYYY-MM-DD (the same in any language)."""
        days = {timezone.localtime(e.contact.occurred_at).date() for e in self.entries}
        return [day.isoformat() for day in sorted(days)]


@dataclass
class Complaint:
    borrower: Borrower
    entries: list[LogEntry]  # flagged, oldest first
    parties: list[Party]
    rules: list[RuleSummary]
    date_from: date | None
    date_to: date | None
    today: date

    @property
    def first_day(self) -> date:
        return timezone.localtime(self.entries[0].contact.occurred_at).date()

    @property
    def last_day(self) -> date:
        return timezone.localtime(self.entries[-1].contact.occurred_at).date()

    @property
    def party_labels(self) -> list[str]:
        return [p.label for p in self.parties]


def build_complaint(
    borrower: Borrower,
    log: CollectionLog,
    today: date,
    party: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> Complaint | None:
    """The flagged contacts of ``party`` (a normalised key, or all) within the
    local days [date_from, date_to]; None when there are none."""
    entries = []
    for entry in reversed(log.flagged):
        day = timezone.localtime(entry.contact.occurred_at).date()
        if party and normalise_party(entry.contact.party) != party:
            continue
        if (date_from and day < date_from) or (date_to and day > date_to):
            continue
        entries.append(entry)
    if not entries:
        return None
    parties: dict[str, Party] = {}
    for entry in entries:
        item = parties.setdefault(normalise_party(entry.contact.party), Party(entry.contact.party))
        who = entry.contact.who
        if who != item.label and who not in item.collectors:
            item.collectors.append(who)
    rules = [
        RuleSummary(rule, [e for e in entries if any(b.rule.pk == rule.pk for b in e.breaches)])
        for rule in log.rules
    ]
    return Complaint(
        borrower=borrower,
        entries=entries,
        parties=list(parties.values()),
        rules=[r for r in rules if r.entries],
        date_from=date_from,
        date_to=date_to,
        today=today,
    )


def _context(complaint: Complaint) -> dict:
    return {
        "complaint": complaint,
        "borrower": complaint.borrower,
        "email": complaint.borrower.user.email,
    }


def complaint_text(complaint: Complaint) -> str:
    """The plain-text complaint, in Chinese."""
    with translation.override(COMPLAINT_LANGUAGE):
        text = render_to_string("borrowers/collection_complaint.txt", _context(complaint))
    lines = [line.rstrip() for line in text.strip().splitlines()]
    # Collapse the blank lines that template tags leave into single ones.
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out) + "\n"


def complaint_html(complaint: Complaint) -> str:
    with translation.override(COMPLAINT_LANGUAGE):
        return render_to_string("pdf/complaint.html", _context(complaint))


def complaint_pdf(complaint: Complaint):
    """The complaint as a RenderedPDF: the PDF, and the characters it shows as □."""

    return render_printable_pdf(complaint_html(complaint))
