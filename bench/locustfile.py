"""Borrowers browsing and editing, for the load test (bench/load.py runs it headless).

Each simulated user logs in as a user of its own (load<N>@load.example, seeded by
bench/load.py), opens its start page and fetches the hashed static files once
(a browser caches them: they are immutable), then waits until every user has
logged in. The logins are the login phase, measured on their own.

Then the measured window: a closed loop, every user sending its next request as
soon as the last one is answered (no think time), so that the figure is what
the server can do, not how long users pause. With LOAD_FLOOR=1 the window is
cut into blocks of LOAD_BLOCK_SECONDS that alternate (ABBA) between browsing
and the floor: the same users asking for /bench/floor/<n>/, their overview page
rendered through the same middleware from a context built in advance, without
a session and without a query (bench/urls.py). Browsing blocks add up to
LOAD_STEADY_SECONDS, and so do floor blocks; then this file stops the run.

Browsing reads the overview, debt pages, the recovery timeline and the plan
overview, asks for htmx fragments (the edit form, the tier preview, the
timeline's what-if), edits a debt inline (htmx POST with the CSRF header) and
the budget (a plain form POST). A response that is not 2xx/3xx, lands on the
login page, or lacks what the page must show is a failure.
"""

import itertools
import json
import os
import random
import re
import time
from decimal import Decimal
from html.parser import HTMLParser
from urllib.parse import urlencode

import gevent
from gevent.event import Event
from locust import FastHttpUser, constant, events, task
from locust.contrib.fasthttp import FastHttpSession

USERS = int(os.environ.get("LOAD_USERS", "20"))
# The first user's number: two runs against two servers can share the seeded users.
FIRST_USER = int(os.environ.get("LOAD_FIRST_USER", "0"))
PASSWORD = os.environ.get("LOAD_PASSWORD", "")
EMAIL = "load{n}@load.example"
HTMX = {"HX-Request": "true"}
STEADY_SECONDS = float(os.environ.get("LOAD_STEADY_SECONDS", "60"))
BLOCK_SECONDS = float(os.environ.get("LOAD_BLOCK_SECONDS", "10"))
FLOOR = os.environ.get("LOAD_FLOOR", "0") == "1"
LOGIN_NAME = "log in"
FLOOR_NAME = "floor (overview, no query)"
_numbers = itertools.count()
_logged_in = 0
_all_in = Event()
# The measured window's blocks: (mode, start, end) in time.time() seconds.
_blocks: list[tuple[str, float, float]] = []
# Every request's method, name, time (ms), outcome and when it completed, written
# when locust quits (to LOAD_SAMPLES), so that the percentiles are exact and
# complete; bench/load.py assigns each to the login phase or a block.
_samples: list[tuple[str, str, float, bool, float]] = []


@events.request.add_listener
def _record(request_type, name, response_time, exception, **kwargs):
    _samples.append((request_type, name, response_time, exception is None, time.time()))


def schedule(start: float) -> list[tuple[str, float, float]]:
    """The blocks from ``start``: browsing only, or browsing and floor in ABBA order."""
    count = max(1, round(STEADY_SECONDS / BLOCK_SECONDS))
    if FLOOR:
        pairs = [("browse", "floor") if i % 2 == 0 else ("floor", "browse") for i in range(count)]
        modes = [mode for pair in pairs for mode in pair]
    else:
        modes = ["browse"] * count
    return [
        (mode, start + i * BLOCK_SECONDS, start + (i + 1) * BLOCK_SECONDS)
        for i, mode in enumerate(modes)
    ]


def current_mode() -> str | None:
    now = time.time()
    for mode, start, end in _blocks:
        if start <= now < end:
            return mode
    return None


def _close_window(environment):
    environment.runner.quit()


def _user_ready(environment):
    global _logged_in
    _logged_in += 1
    if _logged_in == USERS:
        _blocks.extend(schedule(time.time()))
        _all_in.set()
        gevent.spawn_later(_blocks[-1][2] - time.time(), _close_window, environment)


@events.quitting.add_listener
def _write_samples(environment, **kwargs):
    if os.environ.get("LOAD_SAMPLES"):
        with open(os.environ["LOAD_SAMPLES"], "w") as out:
            json.dump({"blocks": _blocks, "samples": _samples}, out)


class FormFields(HTMLParser):
    """The fields of the first form in a page or fragment, as a browser would submit them."""

    def __init__(self):
        super().__init__()
        self.fields: dict[str, str] = {}
        self._forms = 0
        self._select: str | None = None
        self._first_option: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._forms += 1
        if self._forms != 1:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields[name] = a.get("value", "on")
            elif kind not in ("submit", "button"):
                self.fields[name] = a.get("value") or ""
        elif tag == "select" and name:
            self._select, self._first_option = name, None
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._first_option is None:
                self._first_option = value
                self.fields.setdefault(self._select, value)
            if "selected" in a:
                self.fields[self._select] = value
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self._forms += 1  # later forms are ignored

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data


def form_fields(html: str) -> dict[str, str]:
    parser = FormFields()
    parser.feed(html)
    return parser.fields


class Borrower(FastHttpUser):
    # Closed loop: the next request leaves as soon as the last one is answered.
    wait_time = constant(0)

    def on_start(self):
        self.number = FIRST_USER + next(_numbers) % USERS
        # The floor's requests carry no session cookie: no session to read, no query.
        self.anonymous = FastHttpSession(
            self.host, request_event=self.environment.events.request, user=self
        )
        self.client.get("/accounts/login/", name="log in (page)")
        # The login alone (password check, session): its redirect is followed apart.
        with self.client.post(
            "/accounts/login/",
            {
                "username": EMAIL.format(n=self.number),
                "password": PASSWORD,
                "csrfmiddlewaretoken": self._csrf_token(),
            },
            name=LOGIN_NAME,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"log in answered {response.status_code}, not a redirect")
        html = self._get("/", "start page (after log in)", 'id="debts"').text
        self.debts = sorted(set(re.findall(r'href="/debts/(\d+)/"', html)))
        for asset in sorted(set(re.findall(r'(?:href|src)="(/static/[^"]+)"', html))):
            with self.client.get(asset, name="static file", catch_response=True) as response:
                if response.status_code != 200 or not response.content:
                    response.failure(f"status {response.status_code}")
        _user_ready(self.environment)
        _all_in.wait()

    @task
    def step(self):
        mode = current_mode()
        if mode == "floor":
            self._get(f"/bench/floor/{self.number}/", FLOOR_NAME, 'id="debts"', self.anonymous)
        elif mode == "browse":
            random.choices(BROWSE, weights=WEIGHTS)[0](self)
        else:
            gevent.sleep(0.05)  # the window has closed: the run is stopping

    def _csrf_token(self) -> str:
        return next((c.value for c in self.client.cookiejar if c.name == "csrftoken"), "")

    def _get(self, url, name, must_contain, client=None, headers=None):
        client = client or self.client
        with client.get(url, name=name, headers=headers, catch_response=True) as response:
            self._check(response, must_contain)
            return response

    def _check(self, response, must_contain):
        if response.status_code >= 400:
            response.failure(f"status {response.status_code}")
        elif "/accounts/login/" in response.url:
            response.failure("sent to the login page")
        elif must_contain not in response.text:
            response.failure(f"no {must_contain!r} in the response")

    def overview(self):
        self._get("/dashboard/", "overview", 'id="debts"')

    def debt_detail(self):
        if self.debts:
            pk = random.choice(self.debts)
            self._get(f"/debts/{pk}/", "debt detail", f"/debts/{pk}/edit/")

    def timeline(self):
        self._get("/timeline/", "timeline", 'id="timeline-body"')

    def timeline_what_if(self):
        self._get(
            "/timeline/?miss_next=on&extra=500",
            "timeline what-if (htmx)",
            'id="timeline-body"',
            headers=HTMX,
        )

    def plan_overview(self):
        self._get("/plan/", "plan overview", 'name="strategy"')

    def notifications(self):
        self._get("/notifications/", "reminders", "<main")

    def tier_preview(self):
        if not self.debts:
            return
        pk = random.choice(self.debts)
        form = self._get(
            f"/debts/{pk}/edit/", "debt edit form (htmx)", 'name="principal"', headers=HTMX
        )
        fields = form_fields(form.text)
        self._get(
            "/debts/preview/?" + urlencode(fields),
            "tier preview (htmx)",
            'class="preview"',
            headers=HTMX,
        )

    def edit_debt(self):
        if not self.debts:
            return
        pk = random.choice(self.debts)
        form = self._get(
            f"/debts/{pk}/edit/", "debt edit form (htmx)", 'name="principal"', headers=HTMX
        )
        fields = form_fields(form.text)
        fields["nickname"] = f"借款 {random.randint(1, 999)}"
        with self.client.post(
            f"/debts/{pk}/edit/",
            fields,
            name="debt edit (htmx POST)",
            headers={**HTMX, "X-CSRFToken": self._csrf_token()},
            catch_response=True,
        ) as response:
            self._check(response, fields["nickname"])

    def edit_budget(self):
        page = self._get("/budget/", "budget form", 'name="food"')
        fields = form_fields(page.text.split("<main", 1)[1])
        fields["food"] = str(Decimal(fields.get("food") or "0") % 1000 + 1000)
        # Followed to the overview, as a browser does: the pair is one sample.
        with self.client.post(
            "/budget/", fields, name="budget (POST)", catch_response=True
        ) as response:
            self._check(response, 'id="debts"')
            # The overview shows the success message only after the save's redirect.
            if not response.url.endswith("/dashboard/") or 'class="message success"' not in (
                response.text or ""
            ):
                response.failure("the budget was not saved")


# What a browsing user does next, and how often (static files are cached after the login).
BROWSE_WEIGHTS = {
    Borrower.overview: 4,
    Borrower.debt_detail: 3,
    Borrower.timeline: 2,
    Borrower.timeline_what_if: 1,
    Borrower.plan_overview: 2,
    Borrower.notifications: 1,
    Borrower.tier_preview: 1,
    Borrower.edit_debt: 1,
    Borrower.edit_budget: 1,
}
BROWSE = list(BROWSE_WEIGHTS)
WEIGHTS = list(BROWSE_WEIGHTS.values())
