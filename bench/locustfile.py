"""Borrowers browsing and editing, for the load test (bench/load.py runs it headless).

Each simulated user logs in as a user of its own (load<N>@load.example, seeded by
bench/load.py), then reads the overview, debt pages, the recovery timeline and
the plan overview, asks for htmx fragments (the edit form, the tier preview, the
timeline's what-if), edits a debt inline (htmx POST with the CSRF header) and the
budget (a plain form POST), and fetches the hashed static files. A response that
is not 2xx/3xx, lands on the login page, or lacks what the page must show is a
failure. The measured window opens once every user has logged in and lasts
LOAD_STEADY_SECONDS; then this file stops the run.
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
from locust import HttpUser, between, events, task

USERS = int(os.environ.get("LOAD_USERS", "20"))
PASSWORD = os.environ.get("LOAD_PASSWORD", "")
EMAIL = "load{n}@load.example"
HTMX = {"HX-Request": "true"}
_numbers = itertools.count()
# The measured window: it opens when every user has logged in and closes
# LOAD_STEADY_SECONDS later, when this file stops the run.
STEADY_SECONDS = float(os.environ.get("LOAD_STEADY_SECONDS", "60"))
_window: dict[str, float] = {}
_logged_in = 0
# Every request's method, name, time (ms), outcome and whether it completed inside
# the window, written when locust quits (to LOAD_SAMPLES), so that the
# percentiles are exact and complete.
_samples: list[tuple[str, str, float, bool, bool]] = []


@events.request.add_listener
def _record(request_type, name, response_time, exception, **kwargs):
    steady = "opened" in _window and "closed" not in _window
    _samples.append((request_type, name, response_time, exception is None, steady))


def _close_window(environment):
    _window["closed"] = time.time()
    environment.runner.quit()


def _user_ready(environment):
    global _logged_in
    _logged_in += 1
    if _logged_in == USERS:
        _window["opened"] = time.time()
        gevent.spawn_later(STEADY_SECONDS, _close_window, environment)


@events.quitting.add_listener
def _write_samples(environment, **kwargs):
    if os.environ.get("LOAD_SAMPLES"):
        with open(os.environ["LOAD_SAMPLES"], "w") as out:
            json.dump({"window": _window, "samples": _samples}, out)


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


class Borrower(HttpUser):
    wait_time = between(0.5, 1.5)

    def on_start(self):
        self.number = next(_numbers) % USERS
        self.client.get("/accounts/login/", name="log in (page)")
        with self.client.post(
            "/accounts/login/",
            {
                "username": EMAIL.format(n=self.number),
                "password": PASSWORD,
                "csrfmiddlewaretoken": self.client.cookies.get("csrftoken", ""),
            },
            name="log in",
            catch_response=True,
        ) as response:
            html = response.text
            if not response.url.endswith("/dashboard/"):
                response.failure(f"log in ended at {response.url}")
                html = ""
        _user_ready(self.environment)
        self.debts = sorted(set(re.findall(r'href="/debts/(\d+)/"', html)))
        self.assets = sorted(set(re.findall(r'(?:href|src)="(/static/[^"]+)"', html)))

    def _get(self, url, name, must_contain, headers=None):
        with self.client.get(url, name=name, headers=headers, catch_response=True) as response:
            self._check(response, must_contain)
            return response

    def _check(self, response, must_contain):
        if response.status_code >= 400:
            response.failure(f"status {response.status_code}")
        elif "/accounts/login/" in response.url:
            response.failure("sent to the login page")
        elif must_contain not in response.text:
            response.failure(f"no {must_contain!r} in the response")

    @task(4)
    def overview(self):
        self._get("/dashboard/", "overview", 'id="debts"')

    @task(3)
    def debt_detail(self):
        if self.debts:
            pk = random.choice(self.debts)
            self._get(f"/debts/{pk}/", "debt detail", f"/debts/{pk}/edit/")

    @task(2)
    def timeline(self):
        self._get("/timeline/", "timeline", 'id="timeline-body"')

    @task(1)
    def timeline_what_if(self):
        self._get(
            "/timeline/?miss_next=on&extra=500",
            "timeline what-if (htmx)",
            'id="timeline-body"',
            headers=HTMX,
        )

    @task(2)
    def plan_overview(self):
        self._get("/plan/", "plan overview", 'name="strategy"')

    @task(1)
    def notifications(self):
        self._get("/notifications/", "reminders", "<main")

    @task(1)
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

    @task(1)
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
            headers={**HTMX, "X-CSRFToken": self.client.cookies.get("csrftoken", "")},
            catch_response=True,
        ) as response:
            self._check(response, fields["nickname"])

    @task(1)
    def edit_budget(self):
        page = self._get("/budget/", "budget form", 'name="food"')
        fields = form_fields(page.text.split("<main", 1)[1])
        fields["food"] = str(Decimal(fields.get("food") or "0") % 1000 + 1000)
        with self.client.post(
            "/budget/", fields, name="budget (POST)", catch_response=True
        ) as response:
            self._check(response, 'id="debts"')
            if not response.history or response.history[0].status_code != 302:
                response.failure("the budget was not saved")

    @task(1)
    def static_files(self):
        for asset in self.assets:
            with self.client.get(asset, name="static file", catch_response=True) as response:
                if response.status_code != 200 or not response.content:
                    response.failure(f"status {response.status_code}")
