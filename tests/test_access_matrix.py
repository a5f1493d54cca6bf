"""The access matrix: every URL that takes an integer id, built with the ids of a
victim's objects, requested by every other persona with GET and POST.

No URL is named here: the URLconf is walked, so a new URL with an ``<int:…>``
argument is covered the day it is added. Each integer argument is tried with
every id of the victim's objects, whatever their model (a debt id where a
proposal id is expected, too), so that a view which looks an object up without
scoping it to the signed-in user shows up as a leak or as a change of her data.

Personas: another borrower (the attacker), a counselor of another agency (whom
the attacker granted access, with edits), the victim's own counselor (read-only
access), the admin of that counselor's agency (who may move the victim to
another counselor, with her consent, but never sees her data), a staff member
(no profile: staff use the admin) and anonymous. For each of them, with every
such URL:
1. never a server error;
2. none of the victim's marker strings, nor one of her PDF files, in a response
   (her counselor does see her, on her pages of the counselor area);
3. her data unchanged by any request, GET or POST (her counselor may add a note);
4. anonymous requests are sent to log in, or get a 404;
5. staff get a redirect or a 404 (405 for a method the URL never takes).
"""

import contextlib
import hashlib
import itertools
import re
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.converters import IntConverter
from django.urls.exceptions import Resolver404
from django.urls.resolvers import RoutePattern
from django.utils import timezone

from borrowers.models import AccessGrant, Borrower, CaseNote, CollectionContact
from repayment_plans.models import (
    CalendarFeed,
    Dispute,
    EmailDelivery,
    LenderAnswer,
    NotificationPreference,
    Payment,
    Plan,
    Proposal,
    ProposalVersion,
)
from repayment_plans.plans import services as plan_services
from repayment_plans.proposals import services as proposal_services
from tests.factories import BorrowerFactory, CounselorFactory, DebtFactory, UserFactory, profile

MIN_INT_ROUTES = 20

# The URLconf walk ------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """One URL pattern: its route composed through the nested resolvers."""

    route: str
    name: str
    converters: tuple  # ((kwarg, converter), …) of every level, in route order
    buildable: bool  # False when a level is a regex (re_path), which has no converters

    @property
    def int_kwargs(self) -> list[str]:
        return [name for name, conv in self.converters if isinstance(conv, IntConverter)]

    def __str__(self):
        return f"/{self.route} ({self.name or 'unnamed'})"


def walk(resolver=None, prefix="", namespace="", converters=(), buildable=True):
    """Every URLPattern under ``resolver``, recursively through the includes."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        pattern = entry.pattern
        is_route = isinstance(pattern, RoutePattern)
        route = prefix + str(pattern)
        level = tuple(pattern.converters.items()) if is_route else ()
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry, route, ns, converters + level, buildable and is_route)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}{entry.name or ''}"
            yield Route(route, name, converters + level, buildable and is_route)


def int_routes() -> list[Route]:
    return [route for route in walk() if route.int_kwargs]


PLACEHOLDER = re.compile(r"<(?:[^>:]+:)?(?P<kwarg>[^>]+)>")


def build_path(route: Route, values: dict) -> str:
    converters = dict(route.converters)
    return "/" + PLACEHOLDER.sub(
        lambda m: converters[m["kwarg"]].to_url(values[m["kwarg"]]), route.route
    )


def routes_text(routes) -> str:
    return "\n".join(f"  {route}" for route in routes)


def test_the_walk_finds_every_url_that_takes_an_object_id():
    routes = int_routes()
    listing = routes_text(routes)
    assert len(routes) >= MIN_INT_ROUTES, (
        f"the URLconf walk found only {len(routes)} URL patterns with an <int:…> "
        f"argument (at least {MIN_INT_ROUTES} expected):\n{listing}"
    )
    unbuildable = [route for route in routes if not route.buildable]
    assert not unbuildable, f"cannot build these (a level is a regex):\n{routes_text(unbuildable)}"


# The worlds -------------------------------------------------------------------------


@dataclass(frozen=True)
class Marks:
    """The distinctive values a world's data is made of."""

    name: str
    email: str
    debt: str
    contract: str
    lender_email: str
    note: str

    def __iter__(self):
        return iter((self.name, self.email, self.debt, self.contract, self.lender_email, self.note))


VICTIM = Marks(
    name="VICTIMNAME",
    email="victim-user@example.com",
    debt="VICTIM-DEBT-MARK",
    contract="VICTIM-CONTRACT-MARK",
    lender_email="victim-lender@example.com",
    note="VICTIM-NOTE-MARK",
)
ATTACKER = Marks(
    name="ATTACKERNAME",
    email="attacker-user@example.com",
    debt="ATTACKER-DEBT-MARK",
    contract="ATTACKER-CONTRACT-MARK",
    lender_email="attacker-lender@example.com",
    note="ATTACKER-NOTE-MARK",
)


# The victim's objects that the test creates itself take these ids, whatever their
# model (a user, a borrower, the first debt, the first proposal, a grant… all
# VICTIM_ID, the second ones VICTIM_ID + 1): every URL built from them names a
# real object of hers, whichever model its view looks up, and few ids are tried
# on any database. Sequences never get this far within a test run.
VICTIM_ID = 900_001


def build_world(marks: Marks, counselor, *, can_edit: bool, today, first_id=None) -> Borrower:
    """A borrower with one of everything the app lets her own."""

    def pk(offset=0):
        return {} if first_id is None else {"pk": first_id + offset}

    borrower = BorrowerFactory(
        display_name=marks.name, user__email=marks.email, user__pk=first_id, **pk()
    )
    debts = [
        DebtFactory(
            borrower=borrower,
            nickname=f"{marks.debt} 1",
            contract_number=marks.contract,
            principal=Decimal("6000.00"),
            annual_rate_percent=Decimal("0"),
            first_missed_date=today - timedelta(days=45),
            **pk(),
        ),
        DebtFactory(
            borrower=borrower,
            profile=profile("weilidai"),
            nickname=f"{marks.debt} 2",
            principal=Decimal("18000.00"),
            interest=Decimal("1200.00"),
            first_missed_date=today - timedelta(days=75),
            **pk(1),
        ),
    ]
    # One proposal finalised, sent and accepted (a plan with a payment); one only
    # finalised, so still editable, sendable and answerable. Neither is in review.
    accepted, finalised = (
        Proposal.objects.create(
            borrower=borrower,
            lender_name=debt.lender_name,
            months=months,
            first_due_date=plan_services.next_month_first(today),
            lender_email=marks.lender_email,
            **pk(offset),
        )
        for offset, (debt, months) in enumerate(zip(debts, (3, 6), strict=True))
    )
    accepted.debts.set([debts[0]])
    finalised.debts.set([debts[1]])
    version = proposal_services.finalise(accepted, today, "zh-hans")
    EmailDelivery.objects.create(
        version=version, to_email=marks.lender_email, cc_email=marks.email, **pk()
    )
    answer = LenderAnswer(kind=LenderAnswer.Kind.ACCEPTED, answered_on=today, **pk())
    plan = proposal_services.record_answer(accepted, answer)
    plan_services.record_payment(plan, Decimal("100.00"), today, borrower.user)
    proposal_services.finalise(finalised, today, "zh-hans")
    AccessGrant.objects.create(borrower=borrower, counselor=counselor, can_edit=can_edit, **pk())
    CaseNote.objects.create(borrower=borrower, author=counselor, text=f"{marks.note} call", **pk())
    CalendarFeed.objects.create(borrower=borrower, **pk()).renew()
    NotificationPreference.objects.create(
        user=borrower.user, channel="email", kind="missed", enabled=False, **pk()
    )
    Dispute.objects.create(
        borrower=borrower,
        debt=debts[0],
        addressee=Dispute.Addressee.CREDIT_CENTER,
        problem=Dispute.Problem.PAID_ON_TIME,
        shown="2025-03: 1",
        reason=f"{marks.note} paid on time",
        filed_on=today,
        **pk(),
    )
    CollectionContact.objects.create(
        borrower=borrower,
        debt=debts[1],
        occurred_at=timezone.now() - timedelta(days=1),
        channel=CollectionContact.Channel.CALL,
        connected=True,
        who=f"{marks.note} collector",
        notes=f"{marks.note} called at night",
        **pk(),
    )
    return borrower


def owned_ids(borrower: Borrower) -> set[int]:
    """The ids of the borrower's objects of every model, and her version numbers."""
    proposals = Proposal.objects.filter(borrower=borrower)
    versions = ProposalVersion.objects.filter(proposal__in=proposals)
    querysets = [
        Borrower.objects.filter(pk=borrower.pk).values_list("pk", "user_id"),
        borrower.debts.values_list("pk"),
        proposals.values_list("pk"),
        versions.values_list("number"),
        EmailDelivery.objects.filter(version__in=versions).values_list("pk"),
        LenderAnswer.objects.filter(proposal__in=proposals).values_list("pk"),
        Plan.objects.filter(proposal__in=proposals).values_list("pk"),
        Payment.objects.filter(plan__proposal__in=proposals).values_list("pk"),
        borrower.grants.values_list("pk"),
        borrower.case_notes.values_list("pk"),
        CalendarFeed.objects.filter(borrower=borrower).values_list("pk"),
        NotificationPreference.objects.filter(user=borrower.user_id).values_list("pk"),
        borrower.disputes.values_list("pk"),
        borrower.collection_contacts.values_list("pk"),
    ]
    return {pk for queryset in querysets for row in queryset for pk in row}


def snapshot(borrower: Borrower) -> dict:
    """The victim's data that no other persona may change."""
    proposals = Proposal.objects.filter(borrower=borrower)
    return {
        "debts": list(borrower.debts.order_by("pk").values_list("pk", "nickname", "principal")),
        "proposals": list(
            proposals.order_by("pk").values_list("pk", "months", "status", "lender_email")
        ),
        "versions": ProposalVersion.objects.filter(proposal__in=proposals).count(),
        "deliveries": EmailDelivery.objects.filter(version__proposal__in=proposals).count(),
        "answers": LenderAnswer.objects.filter(proposal__in=proposals).count(),
        "payments": Payment.objects.filter(plan__proposal__in=proposals).count(),
        "notes": borrower.case_notes.count(),
        "grants": list(borrower.grants.order_by("pk").values_list("pk", "revoked_at", "can_edit")),
        "feed": list(CalendarFeed.objects.filter(borrower=borrower).values_list("token")),
        "preferences": NotificationPreference.objects.filter(user=borrower.user_id).count(),
        "disputes": list(
            borrower.disputes.order_by("pk").values_list("pk", "debt_id", "shown", "filed_on")
        ),
        "contacts": list(
            borrower.collection_contacts.order_by("pk").values_list(
                "pk", "occurred_at", "channel", "connected", "who", "notes", "threats"
            )
        ),
    }


# The matrix ---------------------------------------------------------------------------


def attack_data(victim: Borrower, today) -> dict:
    """One POST body that would change data if any of the app's forms accepted it."""
    return {
        "nickname": "pwned",
        "principal": "1",
        "profile": str(profile("huabei").pk),
        "rate_value": "1",
        "rate_unit": "annual_percent",
        "debts": [str(pk) for pk in victim.debts.values_list("pk", flat=True)],
        "method": "interest_free",
        "months": "3",
        "first_due_date": plan_services.next_month_first(today).isoformat(),
        "kind": "rejected",
        "answered_on": today.isoformat(),
        "amount": "1",
        "paid_on": today.isoformat(),
        "lender_email": "attacker@example.com",
        "send-lender_email": "attacker@example.com",
        "decision": "approve",
        "comment": "x",
        "text": "x",
        "can_edit": "1",
        "action": "revoke",
        "limitation": "on",
        "may_refuse": "on",
        "records_stay": "on",
        "debt": str(victim.debts.order_by("pk").values_list("pk", flat=True).first()),
        "problem": "not_mine",
        "shown": "pwned",
        "reason": "pwned",
        "addressee": "lender",
        "occurred_at": (timezone.localtime() - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "channel": "visit",
        "who": "pwned",
        "notes": "pwned",
        "threats": "on",
    }


def dispute_pdf_hash(dispute) -> str:
    """Dispute applications are rendered on request, the same bytes each time."""
    from borrowers.pdf import render_pdf
    from repayment_plans.disputes.views import application_html

    return hashlib.sha256(render_pdf(application_html(dispute), strict=True)).hexdigest()


def read_body(response) -> bytes:
    # The test client closes a streamed response once its content is consumed
    # (closing it again would close the database connection: request_finished).
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


@dataclass
class Matrix:
    victim: Borrower
    data: dict
    markers: list[bytes]
    pdf_hashes: set[str]
    granted_prefix: str  # the victim's pages in the counselor area
    login_paths: tuple[str, ...]
    failures: list[str]
    requests: int = 0
    seen: set[str] = field(default_factory=set)  # markers shown to whom may see them

    def send(self, client, method, path):
        return client.get(path) if method == "GET" else client.post(path, self.data)

    def request(self, persona, client, method, path, route):
        """One request, checked against rules 1, 2, 4 and 5 (rule 3 is checked by ``attack``)."""
        self.requests += 1
        where = f"{persona}: {method} {path} ({route.name or 'unnamed'})"
        try:
            with transaction.atomic():  # a database error must not abort the next request
                response = self.send(client, method, path)
        except Exception as exc:  # the test client re-raises what would be a 500
            self.failures.append(f"{where}: server error {type(exc).__name__}: {exc}")
            return
        status = response.status_code
        content = read_body(response)
        if status >= 500:
            self.failures.append(f"{where}: status {status}")
        shown = {m.decode() for m in self.markers if m in content}
        if self.may_see_victim(persona, path):
            self.seen |= shown
        elif shown:
            self.failures.append(f"{where}: status {status}, shows {', '.join(sorted(shown))}")
        if not self.may_see_victim(persona, path) and (
            hashlib.sha256(content).hexdigest() in self.pdf_hashes
        ):
            self.failures.append(f"{where}: status {status}, serves the victim's PDF")
        location = response.get("Location", "")
        if persona == "anonymous" and not (
            status == 404 or (status == 302 and location.startswith(self.login_paths))
        ):
            to = f" to {location}" if location else ""
            self.failures.append(f"{where}: status {status}{to}, not sent to log in")
        if persona == "staff" and status not in (302, 404, 405):
            self.failures.append(f"{where}: status {status}, not a redirect nor a 404")

    def may_see_victim(self, persona, path) -> bool:
        if persona == "victim":
            return True
        return persona == "granted counselor" and path.startswith(self.granted_prefix)

    def may_change(self, persona, path) -> set[str]:
        """What a request may change of the victim's data: her counselor adds notes
        (on her page, or as the next action of her caseload row)."""
        if self.may_see_victim(persona, path) and resolve(path).url_name in (
            "note_create",
            "counselor_next_action",
        ):
            return {"notes"}
        return set()


def changed(before: dict, after: dict, allowed: set[str]) -> list[str]:
    return [key for key in before if key not in allowed and before[key] != after[key]]


def build_urls(routes, ids, failures) -> dict[Route, list[str]]:
    """Each route with every combination of the ids for its arguments (as text for a
    ``<str:…>`` or ``<path:…>`` beside the ints); only the paths that resolve back to
    the route itself are kept, and a route left with none is a failure."""
    urls = {}
    for route in routes:
        kwargs, choices = [], []
        for name, converter in route.converters:
            kwargs.append(name)
            if isinstance(converter, IntConverter):
                choices.append(ids)
            else:
                choices.append([str(i) for i in ids if re.fullmatch(converter.regex, str(i))])
        paths = []
        if route.buildable:
            for values in itertools.product(*choices):
                path = build_path(route, dict(zip(kwargs, values, strict=True)))
                try:
                    match = resolve(path)
                except Resolver404:
                    continue
                if match.route == route.route and path not in paths:
                    paths.append(path)
        if not paths:
            failures.append(f"{route}: no URL could be built that resolves to it")
        urls[route] = paths
    return urls


def attack(matrix: Matrix, persona, client, route, paths, before) -> None:
    """A route's URLs with GET and POST, in a savepoint checked once and undone (so
    that one successful attack neither hides nor fakes the next); on a change, each
    request again in a savepoint of its own, to name it."""
    requests = [(method, path) for path in paths for method in ("GET", "POST")]
    allowed = set().union(*(matrix.may_change(persona, path) for path in paths))
    savepoint = transaction.savepoint_create()
    for method, path in requests:
        matrix.request(persona, client, method, path, route)
    after = snapshot(matrix.victim)
    transaction.savepoint_rollback(savepoint)
    diff = changed(before, after, allowed)
    if not diff:
        return
    named = False
    for method, path in requests:
        savepoint = transaction.savepoint_create()
        with contextlib.suppress(Exception):  # already reported by the first pass
            matrix.send(client, method, path)
        one = changed(before, snapshot(matrix.victim), matrix.may_change(persona, path))
        transaction.savepoint_rollback(savepoint)
        if one:
            named = True
            matrix.failures.append(
                f"{persona}: {method} {path} ({route.name or 'unnamed'}) "
                f"changed the victim's {', '.join(one)}"
            )
    if not named:
        matrix.failures.append(f"{persona}: the requests to {route} changed the victim's {diff}")


@pytest.mark.django_db
def test_no_persona_reaches_another_borrowers_objects():
    today = timezone.localdate()
    granted = CounselorFactory(display_name="Granted counselor")
    other = CounselorFactory(display_name="Other agency counselor")
    # The attacker's world first, so that its ids come from the sequences, far
    # below the victim's.
    attacker = build_world(ATTACKER, other, can_edit=True, today=today)
    victim = build_world(VICTIM, granted, can_edit=False, today=today, first_id=VICTIM_ID)
    staff = UserFactory(email="staff@example.com", is_staff=True)
    agency_admin = CounselorFactory(
        display_name="Agency admin", agency=granted.agency, is_agency_admin=True
    )
    personas = {
        "agency admin": agency_admin.user,  # the granted counselor's agency
        "attacker": attacker.user,  # another borrower
        "other counselor": other.user,  # another agency, granted access by the attacker
        "granted counselor": granted.user,  # the victim's, read-only
        "staff": staff,
        "anonymous": None,
    }

    # The victim's ids, of every model; and the attacker's own borrower id, so that
    # URLs scoped to a borrower the attacker (or their counselor) may reach, with an
    # object of the victim's inside, are tried too.
    ids = sorted(owned_ids(victim) | {attacker.pk})
    routes = int_routes()
    assert len(routes) >= MIN_INT_ROUTES, routes_text(routes)
    failures = []
    urls = build_urls(routes, ids, failures)
    matrix = Matrix(
        victim=victim,
        data=attack_data(victim, today),
        markers=[mark.encode() for mark in VICTIM],
        pdf_hashes=set(
            ProposalVersion.objects.filter(proposal__borrower=victim).values_list(
                "sha256", flat=True
            )
        )
        | {dispute_pdf_hash(dispute) for dispute in victim.disputes.all()},
        granted_prefix=reverse("counselor_borrower", args=[victim.pk]),
        login_paths=(reverse("login"), reverse("admin:login")),
        failures=failures,
    )
    before = snapshot(victim)
    for persona, user in personas.items():
        client = Client()
        if user is not None:
            client.force_login(user)
        for route, paths in urls.items():
            attack(matrix, persona, client, route, paths, before)
    assert snapshot(victim) == before

    # The victim (and her counselor, above) see every marker somewhere: the URLs do
    # reach her objects and the markers are shown, so their absence means something.
    owner = Client()
    owner.force_login(victim.user)
    for route, paths in urls.items():
        for path in paths:
            matrix.request("victim", owner, "GET", path, route)
    unseen = [mark for mark in VICTIM if mark not in matrix.seen]
    assert not unseen, f"no response showed {unseen}: the leak checks would be blind to them"

    n_urls = sum(len(paths) for paths in urls.values())
    assert not failures, (
        f"{len(failures)} failures in {matrix.requests} requests to {n_urls} URLs "
        f"of {len(urls)} routes, ids tried {ids}:\n" + "\n".join(failures)
    )


@pytest.mark.django_db
def test_public_token_urls_refuse_unknown_and_tampered_tokens(client):
    """The calendar feed and the unsubscribe link need no login: the token is the key."""
    from repayment_plans.reminders.engine import unsubscribe_token

    victim = BorrowerFactory(display_name=VICTIM.name, user__email=VICTIM.email)
    feed = CalendarFeed.for_borrower(victim)
    feed.renew()
    NotificationPreference.objects.create(
        user=victim.user, channel="email", kind="missed", enabled=False
    )
    before = snapshot(victim)

    def tampered(token):
        """The token with the first character of its last part (the signature) changed."""
        head, _sep, last = token.rpartition(":")
        return f"{head}{_sep}{'B' if last[0] == 'A' else 'A'}{last[1:]}"

    feed_url = reverse("calendar_feed", kwargs={"token": feed.token})
    assert client.get(feed_url).status_code == 200  # the real token works
    for token in (secrets.token_urlsafe(32), tampered(feed.token)):
        url = reverse("calendar_feed", kwargs={"token": token})
        response = client.get(url)
        assert response.status_code == 404, (url, response.status_code)
        assert client.post(url).status_code in (404, 405)  # the feed is read with GET only

    real = unsubscribe_token(victim.user_id, "due_today")
    for token in (secrets.token_urlsafe(32), tampered(real)):
        url = reverse("unsubscribe", kwargs={"token": token})
        for method in ("get", "post"):
            response = getattr(client, method)(url, {"action": "resubscribe"})
            assert response.status_code in (400, 404), (method, url, response.status_code)
    assert snapshot(victim) == before
    assert client.get(reverse("unsubscribe", kwargs={"token": real})).status_code == 200
