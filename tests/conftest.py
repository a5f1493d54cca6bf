import importlib

import pytest

from tests.factories import PASSWORD, BorrowerFactory, CounselorFactory


@pytest.fixture
def alice(db):
    """A borrower who owns the data under test."""
    return BorrowerFactory(display_name="Alice", user__email="alice@example.com")


@pytest.fixture
def bob(db):
    """Another borrower, who must see nothing of Alice's."""
    return BorrowerFactory(display_name="Bob", user__email="bob@example.com")


@pytest.fixture
def charlie(db):
    """A counselor with no access to anyone yet."""
    return CounselorFactory(display_name="Charlie", user__email="charlie@example.com")


@pytest.fixture
def alice_client(client, alice):
    assert client.login(email=alice.user.email, password=PASSWORD)
    return client


@pytest.fixture
def bob_client(client, bob):
    assert client.login(email=bob.user.email, password=PASSWORD)
    return client


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Hashing cost is not under test; logging in dozens of personas is."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def seeded_profiles(transactional_db):
    """The product profiles of the data migration, for transactional tests that
    run after another one has flushed the database."""
    from django.apps import apps

    seed_module = importlib.import_module("borrowers.migrations.0002_seed_product_profiles")
    seed_module.seed(apps, None)


@pytest.fixture(autouse=True)
def empty_cache():
    """Caches (such as the caseload's daily freshness check) start empty in every test."""
    from django.core.cache import cache

    cache.clear()
