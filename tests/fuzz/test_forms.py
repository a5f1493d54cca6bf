"""Every form, posted generated input by its persona through the test client:
never a server error; an invalid submission saves nothing; a valid one saves
exactly what the form cleaned (and what the models' own validators accept).

Examples are reproducible (derandomized); FUZZ_RANDOM=1 explores new ones.
"""

import copy
import os

import pytest
from django.db import transaction
from django.http import QueryDict
from django.test import Client
from django.utils import translation
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.fuzz.registry import BY_NAME, TARGETS, World, changed_tables, snapshot
from tests.fuzz.values import HUGE, URL_HUGE, hostile, payloads

RANDOM = os.environ.get("FUZZ_RANDOM") == "1"
# No "explain" phase: it would print 100,000-character examples line by line.
PHASES = [Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink]


@pytest.fixture
def world(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # proposal PDFs of valid examples
    return World()


def querydict(data: dict) -> QueryDict:
    """The data as the view will read it (repeated keys for lists)."""
    query = QueryDict(mutable=True)
    for key, value in data.items():
        query.setlist(key, value if isinstance(value, list) else [value])
    return query


def params_strategy(target, world):
    choices = target.params(world)
    return st.fixed_dictionaries(
        {},
        optional={
            name: st.one_of(st.sampled_from(values), hostile()) for name, values in choices.items()
        },
    )


def signed_in_client(target, world) -> Client:
    """One login per target: each example rolls back to this session, so only
    its key is put back (a password change, a logout or a deletion in an
    example may have replaced or dropped it)."""
    client = Client()
    user = world.persona(target.persona)
    if user is not None:
        client.force_login(user)
    client.original_cookies = client.cookies
    return client


def submit(target, world, client, data, valid_so_far=None):
    from django.core import mail

    mail.outbox = []
    client.cookies = copy.deepcopy(client.original_cookies)
    url = target.prepare(world, client) if target.prepare else target.url(world)
    if target.method == "post":
        data = {"csrfmiddlewaretoken": "x" * 64, **data}  # as every browser's form has
    form = target.oracle(world, querydict(data))
    valid = form.is_valid()
    if valid and valid_so_far is not None:
        if valid_so_far[0] >= target.max_valid:
            data.pop(form.add_prefix(next(iter(form.fields))), None)
            form = target.oracle(world, querydict(data))
            valid = form.is_valid()
        valid_so_far[0] += valid
    before = snapshot()
    response = getattr(client, target.method)(url, data, **target.headers)
    after = snapshot()
    assert response.status_code < 500, response.status_code
    if response.status_code == 400:  # e.g. more data than DATA_UPLOAD_MAX_MEMORY_SIZE
        assert not changed_tables(before, after)
        return
    if valid and target.saves:
        target.saved(world, form, response, before, after)
    else:
        changed = changed_tables(before, after)
        assert not changed, f"{'valid' if valid else 'invalid'} form changed {changed}"


@pytest.mark.parametrize("name", [target.name for target in TARGETS])
def test_fuzzed_input(name, world):
    target = BY_NAME[name]
    if target.setup:
        target.setup(world)
    target.url(world)  # objects the page needs exist before the first rollback point
    blank = target.oracle(world, QueryDict())
    client = signed_in_client(target, world)
    valid_so_far = [0] if target.max_valid is not None else None

    @settings(
        max_examples=target.examples,
        deadline=None,
        derandomize=not RANDOM,
        database=None,
        phases=PHASES,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
        ],
    )
    @given(
        payload=payloads(
            blank,
            world.today,
            target.hints(world),
            huge=URL_HUGE if target.method == "get" else HUGE,
            overrides=target.strategies(world),
        ),
        params=params_strategy(target, world),
    )
    def run(payload, params):
        savepoint = transaction.savepoint_create()
        try:
            submit(target, world, client, {**params, **payload}, valid_so_far)
        finally:
            transaction.savepoint_rollback(savepoint)

    run()


DJANGO_REQUIRED = "这个字段是必填项。"  # Django's own "This field is required." in zh-hans


@pytest.mark.parametrize("name", [target.name for target in TARGETS])
def test_an_empty_required_field_is_named_in_its_message(name, world):
    """Sent empty, every required field says which field it is ("请填写出借机构。"),
    never Django's bare "这个字段是必填项。"."""
    target = BY_NAME[name]
    if target.setup:
        target.setup(world)
    target.url(world)
    with translation.override("zh-hans"):
        form = target.oracle(world, QueryDict())
        form.is_valid()
        bare = {field: errors for field, errors in form.errors.items() if DJANGO_REQUIRED in errors}
    assert not bare, bare
