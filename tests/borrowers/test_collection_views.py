"""The collection-contact log: adding, editing and deleting contacts (full pages and
htmx), the flags shown, bad input refused with nothing saved, and who may see what."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from borrowers.models import AccessEvent, AccessGrant, CollectionContact
from tests.factories import PASSWORD, DebtFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
HTMX = {"HTTP_HX_REQUEST": "true"}
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


def yesterday_at(hour, minute=0) -> datetime:
    day = timezone.localdate() - timedelta(days=1)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


def form_data(at: datetime, **overrides):
    data = {
        "occurred_at": at.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M"),
        "channel": "call",
        "connected": "on",
        "who": "Collector Wang 138 0013 8000",
        "debt": "",
        "notes": "Said they would visit my office.",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def record(borrower, at, **kwargs):
    values = {"channel": "call", "connected": True, "who": "Collector Wang"}
    values.update(kwargs)
    return CollectionContact.objects.create(borrower=borrower, occurred_at=at, **values)


@pytest.fixture
def english(alice_client):
    alice_client.cookies["django_language"] = "en"
    return alice_client


# Adding ---------------------------------------------------------------------------------


def test_the_log_requires_login(client, db):
    response = client.get(reverse("collection_log"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_add_full_page_saves_and_redirects_to_the_entry(alice_client, alice):
    debt = DebtFactory(borrower=alice)
    response = alice_client.post(
        reverse("collection_contact_create"), form_data(yesterday_at(10), debt=debt.pk)
    )
    contact = CollectionContact.objects.get(borrower=alice)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('collection_log')}#contact-{contact.pk}"
    assert contact.debt == debt
    assert contact.connected is True
    assert timezone.localtime(contact.occurred_at) == yesterday_at(10)


def test_add_with_htmx_returns_the_refreshed_log(alice_client, alice):
    response = alice_client.post(
        reverse("collection_contact_create"), form_data(yesterday_at(23, 10)), **HTMX
    )
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#contacts"
    assert response["HX-Reswap"] == "outerHTML"
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="contacts"')
    assert 'data-rule="night-time"' in html
    assert CollectionContact.objects.filter(borrower=alice).count() == 1


def test_htmx_get_of_the_form_is_the_partial_only(alice_client):
    response = alice_client.get(reverse("collection_contact_create"), **HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith('<article class="card contact-form-card"')
    assert "<html" not in html
    assert 'type="datetime-local"' in html


@pytest.mark.parametrize(
    ("hour", "minute", "flagged"), [(21, 59, False), (22, 0, True), (7, 59, True), (8, 0, False)]
)
def test_a_contact_entered_in_english_is_read_in_shanghai_time(
    english, alice, hour, minute, flagged
):
    response = english.post(
        reverse("collection_contact_create"), form_data(yesterday_at(hour, minute)), follow=True
    )
    contact = CollectionContact.objects.get(borrower=alice)
    assert timezone.localtime(contact.occurred_at).strftime("%H:%M") == f"{hour:02}:{minute:02}"
    html = response.content.decode()
    assert ('data-rule="night-time"' in html) is flagged
    assert ("Night-time collection</span>" in html) is flagged


def test_a_flag_shows_the_rule_its_source_and_the_count(english, alice):
    for hour in (9, 10, 11, 12):
        record(alice, yesterday_at(hour), who="Collector Li")
    record(alice, yesterday_at(13), channel="third_party", connected=False)
    html = english.get(reverse("collection_log")).content.decode()
    assert html.count('class="flag"') == 2
    assert "Too many connected calls in one day</span>" in html
    assert "connected call no. 4 that day" in html
    assert "Collecting through third parties</span>" in html
    assert "GB/T 45251-2025" in html
    assert '<dd class="breach-count negative">2</dd>' in html
    assert '<dd class="contact-count">5</dd>' in html
    assert reverse("collection_complaint") in html


def test_the_log_is_newest_first_and_grouped_by_local_day(alice_client, alice):
    old = record(alice, yesterday_at(0, 30) - timedelta(days=1), who="OLDEST")
    late = record(alice, yesterday_at(23, 59), who="LATEST")
    early = record(alice, yesterday_at(0, 0), who="EARLIEST-YESTERDAY")
    html = alice_client.get(reverse("collection_log")).content.decode()
    assert html.index("LATEST") < html.index("EARLIEST-YESTERDAY") < html.index("OLDEST")
    day = yesterday_at(0).date()
    before = day - timedelta(days=1)
    assert html.count('class="log-day"') == 2
    day_heading = html.index(f'id="day-{day:%Y%m%d}"')
    before_heading = html.index(f'id="day-{before:%Y%m%d}"')
    assert (
        day_heading < html.index(f'id="contact-{late.pk}"') < html.index(f'id="contact-{early.pk}"')
    )
    assert before_heading < html.index(f'id="contact-{old.pk}"')


def test_a_message_is_never_marked_connected(alice_client, alice):
    alice_client.post(
        reverse("collection_contact_create"), form_data(yesterday_at(10), channel="sms")
    )
    assert CollectionContact.objects.get(borrower=alice).connected is False


def test_the_debt_can_be_preselected_from_the_debt_page(alice_client, alice, bob):
    debt = DebtFactory(borrower=alice, nickname="alice huabei")
    bobs = DebtFactory(borrower=bob, nickname="bob huabei")
    html = alice_client.get(reverse("collection_contact_create") + f"?debt={debt.pk}").content
    assert f'<option value="{debt.pk}" selected>'.encode() in html
    html = alice_client.get(reverse("collection_contact_create") + f"?debt={bobs.pk}").content
    assert b"bob huabei" not in html
    assert b'<option value="" selected>' in html  # "not sure"


def test_navigation_leads_to_the_log(alice_client, alice):
    debt = DebtFactory(borrower=alice)
    log_url = reverse("collection_log")
    assert log_url in alice_client.get(reverse("dashboard")).content.decode()
    detail = alice_client.get(reverse("debt_detail", args=[debt.pk])).content.decode()
    assert log_url in detail
    assert f"{reverse('collection_contact_create')}?debt={debt.pk}" in detail


# Bad input ----------------------------------------------------------------------------


def _assert_refused(response, field, text):
    assert response.status_code == 200
    html = response.content.decode()
    start = html.index(f'id="field-{field}"')
    assert text in html[start : start + 3000]
    assert not CollectionContact.objects.exists()


@pytest.mark.parametrize("htmx", [False, True])
def test_a_contact_in_the_future_is_refused(english, alice, htmx):
    later = timezone.now() + timedelta(minutes=2)
    response = english.post(
        reverse("collection_contact_create"), form_data(later), **(HTMX if htmx else {})
    )
    _assert_refused(response, "occurred_at", "The contact cannot be in the future.")


def test_a_contact_this_minute_is_accepted(alice_client, alice):
    response = alice_client.post(reverse("collection_contact_create"), form_data(timezone.now()))
    assert response.status_code == 302
    assert CollectionContact.objects.filter(borrower=alice).count() == 1


def test_a_date_before_2000_is_refused(english, alice):
    old = datetime(1999, 12, 31, 12, 0, tzinfo=SHANGHAI)
    response = english.post(reverse("collection_contact_create"), form_data(old))
    _assert_refused(response, "occurred_at", "Enter a date on or after 2000-01-01.")


def test_a_date_that_is_not_a_date_is_refused(english, alice):
    data = {**form_data(yesterday_at(10)), "occurred_at": "yesterday night"}
    response = english.post(reverse("collection_contact_create"), data)
    _assert_refused(response, "occurred_at", "Enter a valid date/time.")


def test_another_borrowers_debt_is_refused(english, alice, bob):
    bobs = DebtFactory(borrower=bob)
    response = english.post(
        reverse("collection_contact_create"), form_data(yesterday_at(10), debt=bobs.pk)
    )
    _assert_refused(response, "debt", "Select a valid choice.")


@pytest.mark.parametrize(
    ("field", "text"),
    [
        ("who", "<script>alert(1)</script>"),
        ("who", "Wang <b>bank</b>"),
        ("notes", '<img src=x onerror="alert(1)">'),
        ("notes", "called 3 times <script"),
    ],
)
def test_markup_is_refused(english, alice, field, text):
    response = english.post(
        reverse("collection_contact_create"), form_data(yesterday_at(10), **{field: text})
    )
    _assert_refused(response, field, "Please remove the characters &lt; and &gt;.")
    assert "<script>alert" not in response.content.decode()


@pytest.mark.parametrize(("field", "length"), [("who", 121), ("notes", 2001)])
def test_overlong_text_is_refused(english, alice, field, length):
    response = english.post(
        reverse("collection_contact_create"), form_data(yesterday_at(10), **{field: "x" * length})
    )
    _assert_refused(response, field, "Ensure this value has at most")


def test_characters_the_letter_cannot_print_are_refused(english, alice):
    response = english.post(
        reverse("collection_contact_create"), form_data(yesterday_at(10), notes="太过分了😡")
    )
    _assert_refused(response, "notes", "cannot be printed in the complaint letter: 😡")


def test_who_and_channel_are_required(english, alice):
    data = form_data(yesterday_at(10), who="", channel=None)
    response = english.post(reverse("collection_contact_create"), data)
    _assert_refused(response, "who", "Please fill in “Who contacted you”.")
    _assert_refused(response, "channel", "Please choose “How”.")


def test_a_bad_edit_changes_nothing(english, alice):
    contact = record(alice, yesterday_at(10), who="Collector Li")
    later = timezone.now() + timedelta(hours=1)
    response = english.post(
        reverse("collection_contact_edit", args=[contact.pk]),
        form_data(later, who="changed"),
        **HTMX,
    )
    assert "The contact cannot be in the future." in response.content.decode()
    contact.refresh_from_db()
    assert contact.who == "Collector Li"
    assert timezone.localtime(contact.occurred_at) == yesterday_at(10)


# Editing and deleting -----------------------------------------------------------------


def test_edit_with_htmx_refreshes_the_flags(alice_client, alice):
    contact = record(alice, yesterday_at(21, 59), who="Collector Li")
    assert (
        'data-rule="night-time"' not in alice_client.get(reverse("collection_log")).content.decode()
    )
    response = alice_client.post(
        reverse("collection_contact_edit", args=[contact.pk]),
        form_data(yesterday_at(22, 0), who="Collector Li"),
        **HTMX,
    )
    assert response["HX-Retarget"] == "#contacts"
    assert 'data-rule="night-time"' in response.content.decode()
    contact.refresh_from_db()
    assert timezone.localtime(contact.occurred_at) == yesterday_at(22, 0)


def test_edit_full_page_shows_the_saved_values(alice_client, alice):
    contact = record(alice, yesterday_at(9, 5), who="Collector Li")
    html = alice_client.get(reverse("collection_contact_edit", args=[contact.pk])).content.decode()
    assert f'value="{yesterday_at(9, 5):%Y-%m-%dT%H:%M}"' in html
    assert 'value="Collector Li"' in html
    response = alice_client.post(
        reverse("collection_contact_edit", args=[contact.pk]),
        form_data(yesterday_at(9, 5), who="Collector Zhao"),
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.who == "Collector Zhao"


def test_delete_with_htmx_and_full_page(alice_client, alice):
    first = record(alice, yesterday_at(9))
    second = record(alice, yesterday_at(10))
    confirm = alice_client.get(reverse("collection_contact_delete", args=[first.pk]))
    assert confirm.status_code == 200
    assert CollectionContact.objects.filter(pk=first.pk).exists()
    response = alice_client.post(reverse("collection_contact_delete", args=[first.pk]), **HTMX)
    assert response["HX-Retarget"] == "#contacts"
    assert f'id="contact-{second.pk}"' in response.content.decode()
    response = alice_client.post(reverse("collection_contact_delete", args=[second.pk]))
    assert response["Location"] == reverse("collection_log")
    assert not CollectionContact.objects.exists()


# Who may see what ---------------------------------------------------------------------


@pytest.fixture
def alices_contact(alice):
    return record(alice, yesterday_at(23, 10), who="ALICE-COLLECTOR", notes="ALICE-NOTE")


@pytest.mark.parametrize("name", ["collection_contact_edit", "collection_contact_delete"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_bob_gets_404_on_alices_contact_and_changes_nothing(
    bob_client, alices_contact, name, method
):
    url = reverse(name, args=[alices_contact.pk])
    response = getattr(bob_client, method)(url, form_data(yesterday_at(10), who="bob was here"))
    assert response.status_code == 404
    alices_contact.refresh_from_db()
    assert alices_contact.who == "ALICE-COLLECTOR"


@pytest.mark.parametrize(
    "name",
    [
        "collection_log",
        "collection_complaint",
        "collection_complaint_txt",
        "collection_complaint_pdf",
    ],
)
def test_bob_sees_none_of_alices_log_or_complaint(bob_client, alices_contact, name):
    response = bob_client.get(reverse(name), follow=True)
    assert response.status_code == 200
    content = response.content.decode()
    assert "ALICE-COLLECTOR" not in content and "ALICE-NOTE" not in content


def test_anonymous_is_sent_to_log_in(client, alices_contact):
    for name in ("collection_contact_edit", "collection_contact_delete"):
        response = client.post(reverse(name, args=[alices_contact.pk]))
        assert response.status_code == 302
        assert reverse("login") in response["Location"]
    assert CollectionContact.objects.filter(pk=alices_contact.pk).exists()


def test_a_counselor_without_a_grant_gets_404(client, charlie, alice, alices_contact):
    client.login(email=charlie.user.email, password=PASSWORD)
    response = client.get(reverse("counselor_collection_log", args=[alice.pk]))
    assert response.status_code == 404
    assert not AccessEvent.objects.filter(borrower=alice).exists()
    # The borrower's own pages send a counselor to the caseload, showing nothing.
    for name in ("collection_contact_edit", "collection_contact_delete"):
        response = client.post(reverse(name, args=[alices_contact.pk]), follow=True)
        assert response.redirect_chain[-1][0] == reverse("caseload")
        assert "ALICE-COLLECTOR" not in response.content.decode()
    assert CollectionContact.objects.filter(pk=alices_contact.pk).exists()


def test_a_granted_counselor_reads_the_log_without_edit_links(
    client, charlie, alice, alices_contact
):
    AccessGrant.objects.create(borrower=alice, counselor=charlie)
    client.login(email=charlie.user.email, password=PASSWORD)
    response = client.get(reverse("counselor_collection_log", args=[alice.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "ALICE-COLLECTOR" in html and 'data-rule="night-time"' in html
    assert reverse("collection_contact_edit", args=[alices_contact.pk]) not in html
    assert AccessEvent.objects.filter(
        borrower=alice, counselor=charlie, action=AccessEvent.Action.VIEW
    ).exists()


def test_a_revoked_grant_means_404_again(client, charlie, alice, alices_contact):
    grant = AccessGrant.objects.create(borrower=alice, counselor=charlie)
    grant.revoked_at = timezone.now()
    grant.save()
    client.login(email=charlie.user.email, password=PASSWORD)
    assert client.get(reverse("counselor_collection_log", args=[alice.pk])).status_code == 404


def test_the_counselor_page_links_to_the_log(client, charlie, alice):
    AccessGrant.objects.create(borrower=alice, counselor=charlie)
    client.login(email=charlie.user.email, password=PASSWORD)
    html = client.get(reverse("counselor_borrower", args=[alice.pk])).content.decode()
    assert reverse("counselor_collection_log", args=[alice.pk]) in html
