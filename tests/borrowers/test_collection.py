"""The rules of collection conduct, checked over a borrower's recorded contacts:
each at its edges, with the figures read from the seeded rules."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from borrowers.collection import rules as collection
from borrowers.collection.complaint import build_log
from borrowers.collection.rules import Contact, find_breaches, in_quiet_hours, parse_clock
from borrowers.models import CollectionContact, CollectionRule
from tests.factories import DebtFactory, profile

SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass
class Rule:
    code: str
    kind: str
    parameters: dict = field(default_factory=dict)
    effective_from: date | None = None


NIGHT = Rule("night", collection.QUIET_HOURS, {"quiet_start": "22:00", "quiet_end": "08:00"})
CALLS = Rule("calls", collection.CONNECTED_CALLS, {"max_connected_calls_per_day": 3})
THIRD = Rule("third", collection.THIRD_PARTY)
THREATS = Rule("threats", collection.THREATS)
ALL = [NIGHT, CALLS, THIRD, THREATS]


def local(day: int, hour: int, minute: int = 0, second: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=SHANGHAI)


def contact(key, at, channel="call", connected=True, party="招商银行", threats=False):
    return Contact(key, at, channel, connected, party, threats)


def codes(found, key) -> list[str]:
    return [b.rule.code for b in found.get(key, [])]


# Quiet hours ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hour", "minute", "flagged"),
    [
        (21, 59, False),
        (22, 0, True),
        (23, 10, True),
        (0, 0, True),
        (7, 59, True),
        (8, 0, False),
        (12, 0, False),
    ],
)
def test_night_time_contact_at_its_edges(hour, minute, flagged):
    sms = contact("a", local(2, hour, minute), channel="sms", connected=False)
    found = find_breaches([sms], [NIGHT], SHANGHAI)
    assert (codes(found, "a") == ["night"]) is flagged


def test_the_last_second_before_eight_is_still_night():
    found = find_breaches([contact("a", local(2, 7, 59, 59), connected=False)], [NIGHT], SHANGHAI)
    assert codes(found, "a") == ["night"]


def test_night_is_local_shanghai_time_whatever_the_instant_is_stored_in():
    # 14:00 UTC is 22:00 in Shanghai; 13:59 UTC is 21:59.
    at_ten = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
    before = datetime(2026, 3, 2, 13, 59, tzinfo=UTC)
    found = find_breaches([contact("a", at_ten), contact("b", before)], [NIGHT], SHANGHAI)
    assert codes(found, "a") == ["night"]
    assert codes(found, "b") == []


def test_quiet_hours_come_from_the_rule_parameters():
    early = Rule("early", collection.QUIET_HOURS, {"quiet_start": "21:00", "quiet_end": "09:00"})
    contacts = [contact("a", local(2, 21, 30)), contact("b", local(3, 8, 30))]
    assert codes(find_breaches(contacts, [early], SHANGHAI), "a") == ["early"]
    assert codes(find_breaches(contacts, [early], SHANGHAI), "b") == ["early"]
    assert find_breaches(contacts, [NIGHT], SHANGHAI) == {}


def test_quiet_hours_within_one_day():
    lunch = (parse_clock("12:00"), parse_clock("13:00"))
    assert in_quiet_hours(parse_clock("12:00"), *lunch)
    assert not in_quiet_hours(parse_clock("13:00"), *lunch)
    assert not in_quiet_hours(parse_clock("11:59"), *lunch)


# Connected calls per day ------------------------------------------------------------


def test_the_fourth_connected_call_of_a_day_is_flagged_the_third_is_not():
    calls = [contact(n, local(2, 9 + n)) for n in range(1, 5)]
    found = find_breaches(calls, [CALLS], SHANGHAI)
    assert list(found) == [4]
    assert found[4][0].nth == 4


def test_the_fifth_is_flagged_too_and_input_order_does_not_matter():
    calls = [contact(n, local(2, 9 + n)) for n in range(1, 6)]
    found = find_breaches(list(reversed(calls)), [CALLS], SHANGHAI)
    assert sorted(found) == [4, 5]
    assert [found[k][0].nth for k in (4, 5)] == [4, 5]


def test_three_connected_calls_are_within_the_limit():
    calls = [contact(n, local(2, 9 + n)) for n in range(1, 4)]
    assert find_breaches(calls, [CALLS], SHANGHAI) == {}


def test_unconnected_calls_do_not_count():
    calls = [contact(n, local(2, 9 + n)) for n in range(1, 4)]
    calls += [contact(f"missed{n}", local(2, 14, n), connected=False) for n in range(5)]
    assert find_breaches(calls, [CALLS], SHANGHAI) == {}


def test_messages_and_visits_do_not_count_as_calls():
    calls = [contact(n, local(2, 9 + n)) for n in range(1, 4)]
    calls += [
        contact("sms", local(2, 15), channel="sms"),
        contact("visit", local(2, 16), channel="visit"),
        contact("third", local(2, 17), channel="third_party"),
    ]
    found = find_breaches(calls, ALL, SHANGHAI)
    assert "calls" not in {b.rule.code for breaches in found.values() for b in breaches}


def test_calls_from_two_lenders_do_not_add_up():
    calls = [contact(f"a{n}", local(2, 9 + n), party="招商银行") for n in range(3)]
    calls += [contact(f"b{n}", local(2, 13 + n), party="重庆蚂蚁消费金融") for n in range(3)]
    assert find_breaches(calls, [CALLS], SHANGHAI) == {}


def test_the_same_party_however_it_was_typed_adds_up():
    spellings = ["招商银行", " 招商 银行", "招商银行 ", "招 商 银 行", "ＡＢＣ", "abc", "A B C"]
    calls = [contact(n, local(2, 9 + n), party=p) for n, p in enumerate(spellings)]
    found = find_breaches(calls, [CALLS], SHANGHAI)
    assert sorted(found) == [3]  # the 4th call of 招商银行; "abc" only three times


def test_a_day_ends_at_midnight_in_shanghai_not_in_utc():
    # 23:30, 23:45 and 23:59:59 on the 2nd, then 00:00 on the 3rd (16:00 UTC): in UTC
    # all four fall on the same day, in Shanghai the fourth starts a new one.
    calls = [
        contact("a", local(2, 23, 30)),
        contact("b", local(2, 23, 45)),
        contact("c", local(2, 23, 59, 59)),
        contact("d", datetime(2026, 3, 2, 16, 0, tzinfo=UTC)),
    ]
    assert find_breaches(calls, [CALLS], SHANGHAI) == {}
    calls.append(contact("e", local(2, 23, 59, 30)))
    found = find_breaches(calls, [CALLS], SHANGHAI)
    assert list(found) == ["c"]  # the 4th call of the 2nd by time is 23:59:59


def test_the_daily_limit_comes_from_the_rule_parameters():
    two = Rule("two", collection.CONNECTED_CALLS, {"max_connected_calls_per_day": 2})
    calls = [contact(n, local(2, 9 + n)) for n in range(1, 4)]
    assert list(find_breaches(calls, [two], SHANGHAI)) == [3]


# Third parties, threats, several rules --------------------------------------------------


def test_a_contact_of_a_third_party_is_flagged():
    found = find_breaches(
        [contact("a", local(2, 12), channel="third_party", connected=False)], ALL, SHANGHAI
    )
    assert codes(found, "a") == ["third"]


def test_threats_or_insults_are_flagged():
    found = find_breaches([contact("a", local(2, 12), threats=True)], ALL, SHANGHAI)
    assert codes(found, "a") == ["threats"]


def test_one_contact_can_break_several_rules_named_in_rule_order():
    found = find_breaches(
        [contact("a", local(2, 23), channel="third_party", threats=True)], ALL, SHANGHAI
    )
    assert codes(found, "a") == ["night", "third", "threats"]


def test_an_ordinary_daytime_call_breaks_nothing():
    assert find_breaches([contact("a", local(2, 10))], ALL, SHANGHAI) == {}


def test_contacts_before_a_rule_took_effect_are_not_checked():
    rule = Rule("night", collection.QUIET_HOURS, NIGHT.parameters, effective_from=date(2026, 3, 3))
    contacts = [contact("before", local(2, 23)), contact("on", local(3, 23))]
    found = find_breaches(contacts, [rule], SHANGHAI)
    assert list(found) == ["on"]


def test_a_rule_with_broken_parameters_is_skipped_not_fatal():
    broken = Rule("broken", collection.QUIET_HOURS, {"quiet_start": "late"})
    assert find_breaches([contact("a", local(2, 23))], [broken, THREATS], SHANGHAI) == {}


@pytest.mark.parametrize(
    ("kind", "parameters", "ok"),
    [
        (collection.QUIET_HOURS, {"quiet_start": "22:00", "quiet_end": "08:00"}, True),
        (collection.QUIET_HOURS, {"quiet_start": "24:00", "quiet_end": "08:00"}, False),
        (collection.QUIET_HOURS, {"quiet_start": "22:00"}, False),
        (collection.QUIET_HOURS, {"quiet_start": "08:00", "quiet_end": "08:00"}, False),
        (collection.CONNECTED_CALLS, {"max_connected_calls_per_day": 3}, True),
        (collection.CONNECTED_CALLS, {"max_connected_calls_per_day": "3"}, False),
        (collection.CONNECTED_CALLS, {"max_connected_calls_per_day": -1}, False),
        (collection.CONNECTED_CALLS, {"max_connected_calls_per_day": True}, False),
        (collection.THIRD_PARTY, {}, True),
        (collection.THREATS, [], False),
    ],
)
def test_parameter_errors(kind, parameters, ok):
    assert (collection.parameter_errors(kind, parameters) == []) is ok


# The seeded rules ---------------------------------------------------------------------


def test_the_seeded_rules_name_their_figures_and_sources(db):
    rules = {r.code: r for r in CollectionRule.objects.filter(active=True)}
    assert set(rules) == {"night-time", "connected-calls-per-day", "third-party", "threats-insults"}
    assert rules["night-time"].parameters == {"quiet_start": "22:00", "quiet_end": "08:00"}
    assert rules["connected-calls-per-day"].parameters == {"max_connected_calls_per_day": 3}
    for rule in rules.values():
        assert "GB/T 45251-2025" in rule.source
        assert "中国银行业协会" in rule.source
        assert rule.title_zh and rule.title_en and rule.explanation_zh and rule.explanation_en
        rule.full_clean()


def _record(borrower, at, **kwargs):
    values = {"channel": "call", "connected": True, "who": "催收员 138 0000 0000"}
    values.update(kwargs)
    return CollectionContact.objects.create(borrower=borrower, occurred_at=at, **values)


def _flags(borrower) -> dict[int, list[str]]:
    log = build_log(CollectionContact.objects.filter(borrower=borrower))
    return {e.contact.pk: [b.rule.code for b in e.breaches] for e in log.entries}


def test_changing_the_daily_limit_in_the_database_changes_the_flags(alice):
    debt = DebtFactory(borrower=alice)
    calls = [_record(alice, local(2, 9 + n), debt=debt) for n in range(3)]
    assert all(codes == [] for codes in _flags(alice).values())
    rule = CollectionRule.objects.get(code="connected-calls-per-day")
    rule.parameters = {"max_connected_calls_per_day": 2}
    rule.save()
    assert _flags(alice)[calls[2].pk] == ["connected-calls-per-day"]
    assert _flags(alice)[calls[1].pk] == []


def test_changing_quiet_hours_in_the_database_changes_the_flags(alice):
    evening = _record(alice, local(2, 21, 30), channel="sms", connected=False)
    assert _flags(alice)[evening.pk] == []
    CollectionRule.objects.filter(code="night-time").update(
        parameters={"quiet_start": "21:00", "quiet_end": "08:00"}
    )
    assert _flags(alice)[evening.pk] == ["night-time"]


def test_an_inactive_rule_flags_nothing(alice):
    night = _record(alice, local(2, 23, 10))
    assert _flags(alice)[night.pk] == ["night-time"]
    CollectionRule.objects.filter(code="night-time").update(active=False)
    assert _flags(alice)[night.pk] == []


def test_calls_about_two_debts_of_the_same_lender_add_up_but_not_across_lenders(alice):
    huabei = DebtFactory(borrower=alice)  # 重庆蚂蚁消费金融
    jiebei = DebtFactory(borrower=alice, profile=profile("jiebei"))  # the same lender
    bank = DebtFactory(borrower=alice, profile=profile("credit_card"), lender_name="招商银行")
    _record(alice, local(2, 9), debt=huabei)
    _record(alice, local(2, 10), debt=jiebei)
    _record(alice, local(2, 11), debt=huabei)
    for hour in (12, 13, 14):
        _record(alice, local(2, hour), debt=bank)
    fourth = _record(alice, local(2, 15), debt=jiebei)
    flags = _flags(alice)
    assert [pk for pk, codes in flags.items() if codes] == [fourth.pk]


def test_without_a_debt_the_caller_decides_the_party(alice):
    first = [_record(alice, local(2, 9 + n), who="Collector 138-0000") for n in range(3)]
    fourth = _record(alice, local(2, 15), who="collector 138-0000 ")
    other = _record(alice, local(2, 16), who="Another agency")
    flags = _flags(alice)
    assert flags[fourth.pk] == ["connected-calls-per-day"]
    assert flags[other.pk] == [] and all(flags[c.pk] == [] for c in first)


def test_the_admin_refuses_parameters_that_do_not_fit_the_kind(db):
    rule = CollectionRule.objects.get(code="night-time")
    rule.parameters = {"quiet_start": "10pm", "quiet_end": "08:00"}
    with pytest.raises(ValidationError) as excinfo:
        rule.full_clean()
    assert "parameters" in excinfo.value.message_dict


def test_the_admin_lists_and_edits_the_rules(admin_client):
    from django.urls import reverse

    rule = CollectionRule.objects.get(code="connected-calls-per-day")
    listing = admin_client.get(reverse("admin:borrowers_collectionrule_changelist"))
    assert "单日接通催收电话过多" in listing.content.decode()
    url = reverse("admin:borrowers_collectionrule_change", args=[rule.pk])
    data = {
        "code": rule.code,
        "kind": rule.kind,
        "parameters": '{"max_connected_calls_per_day": 5}',
        "active": "on",
        "effective_from": "2025-02-28",
        "title_zh": rule.title_zh,
        "title_en": rule.title_en,
        "explanation_zh": rule.explanation_zh,
        "explanation_en": rule.explanation_en,
        "source": rule.source,
        "sort_order": "20",
    }
    assert admin_client.post(url, data).status_code == 302
    rule.refresh_from_db()
    assert rule.parameters == {"max_connected_calls_per_day": 5}
    bad = admin_client.post(url, {**data, "parameters": '{"max_connected_calls_per_day": "x"}'})
    assert bad.status_code == 200
    rule.refresh_from_db()
    assert rule.parameters == {"max_connected_calls_per_day": 5}


def test_the_day_boundary_is_local_in_the_database_too(alice):
    # Stored in UTC by Django; the day is Shanghai's.
    start = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)  # 23:30 on the 2nd in Shanghai
    calls = [_record(alice, start + timedelta(minutes=10 * n)) for n in range(4)]
    # 23:30, 23:40, 23:50 on the 2nd; 00:00 on the 3rd: no fourth call on either day.
    assert all("connected-calls-per-day" not in codes for codes in _flags(alice).values())
    assert _flags(alice)[calls[3].pk] == ["night-time"]
