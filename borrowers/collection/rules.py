"""Which recorded collection contacts appear to breach the rules of conduct.

Plain inputs, no database: the contacts a borrower recorded (:class:`Contact`),
the rules (anything with ``code``, ``kind``, ``parameters`` and
``effective_from``, as ``CollectionRule`` has) and the local time zone
(Asia/Shanghai), in which "night" and "one day" are meant.

The rules of docs/domain.md §6 [law/standard]: no collection between 22:00 and
08:00, at most 3 connected calls a day per debtor, no collecting from third
parties, no threats or insults. The figures come from the rules' parameters.
The result says what *appears* to breach a rule by the borrower's own record;
it is not a finding that it did.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo
from typing import Any, Protocol

from django.utils.translation import gettext as _

# Rule kinds (CollectionRule.kind) and contact channels (CollectionContact.channel).
QUIET_HOURS = "quiet_hours"
CONNECTED_CALLS = "connected_calls"
THIRD_PARTY = "third_party"
THREATS = "threats"

CALL = "call"
SMS = "sms"
VISIT = "visit"
THIRD_PARTY_CHANNEL = "third_party"

QUIET_START = "quiet_start"
QUIET_END = "quiet_end"
MAX_CONNECTED_CALLS = "max_connected_calls_per_day"

_CLOCK = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")


class RuleLike(Protocol):
    # Read-only: a rule with a required effective_from (date) is one too.
    @property
    def code(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def parameters(self) -> Mapping[str, Any]: ...
    @property
    def effective_from(self) -> date | None: ...


@dataclass(frozen=True)
class Contact:
    """One recorded contact. ``at`` is an aware datetime; ``party`` is who
    collects (the debt's lender, or who called when the debt is not known)."""

    key: Any
    at: datetime
    channel: str
    connected: bool
    party: str
    threats: bool


@dataclass(frozen=True)
class Breach:
    """A contact that appears to breach ``rule``; ``nth`` is the number of the
    connected call within its day and party, for the daily call limit."""

    rule: Any
    nth: int | None = None


def parse_clock(value: Any) -> time:
    """Parse "HH:MM" (24-hour) into a time; ValueError otherwise."""
    match = _CLOCK.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"not a HH:MM time: {value!r}")
    return time(int(match[1]), int(match[2]))


def parameter_errors(kind: str, parameters: Any) -> list[str]:
    """What is wrong with a rule's parameters for its kind (empty when nothing)."""
    if not isinstance(parameters, dict):
        return [_('Enter the parameters as an object, for example {"quiet_start": "22:00"}.')]
    errors = []
    if kind == QUIET_HOURS:
        for name in (QUIET_START, QUIET_END):
            try:
                parse_clock(parameters.get(name))
            except ValueError:
                errors.append(_("%(name)s must be a time such as 22:00.") % {"name": name})
        if not errors and parameters[QUIET_START] == parameters[QUIET_END]:
            errors.append(_("Quiet hours must start and end at different times."))
    elif kind == CONNECTED_CALLS:
        limit = parameters.get(MAX_CONNECTED_CALLS)
        if not isinstance(limit, int) or isinstance(limit, bool) or not 0 <= limit <= 100:
            errors.append(
                _("%(name)s must be a whole number from 0 to 100.") % {"name": MAX_CONNECTED_CALLS}
            )
    return errors


def in_quiet_hours(moment: time, start: time, end: time) -> bool:
    """Whether a local time of day falls in [start, end), which may span midnight.

    With 22:00–08:00: 21:59 no, 22:00 yes, 07:59 yes, 08:00 no.
    """
    if start <= end:
        return start <= moment < end
    return moment >= start or moment < end


def normalise_party(text: str) -> str:
    """The same collector however it was typed: width, case and spaces ignored."""
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


def _applies(rule: RuleLike, day: date) -> bool:
    return rule.effective_from is None or day >= rule.effective_from


def find_breaches(
    contacts: Iterable[Contact], rules: Iterable[RuleLike], tz: tzinfo
) -> dict[Any, list[Breach]]:
    """Every contact's apparent breaches, in the order of ``rules``.

    Contacts with none are absent from the result. Rules whose parameters are
    not valid for their kind, or of an unknown kind, are skipped.
    """
    contacts = list(contacts)
    local = {id(c): c.at.astimezone(tz) for c in contacts}
    found: dict[Any, list[Breach]] = defaultdict(list)
    for rule in rules:
        if parameter_errors(rule.kind, rule.parameters):
            continue
        if rule.kind == QUIET_HOURS:
            start = parse_clock(rule.parameters[QUIET_START])
            end = parse_clock(rule.parameters[QUIET_END])
            for contact in contacts:
                moment = local[id(contact)]
                if _applies(rule, moment.date()) and in_quiet_hours(
                    moment.time().replace(tzinfo=None), start, end
                ):
                    found[contact.key].append(Breach(rule))
        elif rule.kind == CONNECTED_CALLS:
            limit = rule.parameters[MAX_CONNECTED_CALLS]
            per_day: dict[tuple[date, str], list[tuple[datetime, int, Contact]]] = defaultdict(list)
            for order, contact in enumerate(contacts):
                day = local[id(contact)].date()
                if contact.channel == CALL and contact.connected and _applies(rule, day):
                    per_day[(day, normalise_party(contact.party))].append(
                        (contact.at, order, contact)
                    )
            for calls in per_day.values():
                calls.sort(key=lambda item: (item[0], item[1]))
                for nth, (_at, _order, contact) in enumerate(calls, start=1):
                    if nth > limit:
                        found[contact.key].append(Breach(rule, nth=nth))
        elif rule.kind == THIRD_PARTY:
            for contact in contacts:
                if contact.channel == THIRD_PARTY_CHANNEL and _applies(
                    rule, local[id(contact)].date()
                ):
                    found[contact.key].append(Breach(rule))
        elif rule.kind == THREATS:
            for contact in contacts:
                if contact.threats and _applies(rule, local[id(contact)].date()):
                    found[contact.key].append(Breach(rule))
    return dict(found)
