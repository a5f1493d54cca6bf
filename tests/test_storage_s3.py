"""Stored files in an S3-compatible bucket, and the settings that make web nodes share.

With AWS_STORAGE_BUCKET_NAME set, every stored file (proposal PDFs, negotiation
evidence, court documents) goes to a private bucket through Django's storage API,
so that a file stored by one web node is read by every other. Here moto's S3
server, on a free port of 127.0.0.1, stands in for the bucket: a finalised PDF
lands there and nowhere on disk, its owner downloads it through the app's URL
byte for byte, anyone else gets a 404, and deleting the account removes the
objects. The last tests read the settings in a fresh process, as a node starts:
REDIS_URL / CACHE_URL select the shared cache, the bucket selects S3.
"""

import hashlib
import io
import json
import logging
import os
import threading
import uuid
import zipfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import boto3
import pytest
from django.core.cache import caches
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from moto.server import ThreadedMotoServer

from repayment_plans.models import NegotiationContact, Proposal, ProposalVersion
from repayment_plans.negotiation import attachments
from repayment_plans.negotiation import services as negotiation_services
from repayment_plans.proposals import services as proposal_services
from tests.conftest import Client, settings_at_start
from tests.factories import PASSWORD, DebtFactory
from tests.repayment_plans.conftest import make_proposal

REGION = "us-east-1"
KEYS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
DISCLOSURES = {"limitation": "on", "may_refuse": "on", "records_stay": "on"}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def node_settings(**env) -> dict:
    """The cache, file storage and session engine of config/settings.py in a
    fresh process started with ``env``, as a web node reads them at its start."""
    shared = tuple(k for k in os.environ if k in ("CACHE_URL", "REDIS_URL") or k.startswith("AWS_"))
    found = settings_at_start(
        "{'cache': s.CACHES['default'], 'storage': s.STORAGES['default'], "
        "'sessions': s.SESSION_ENGINE}",
        unset=shared,
        **env,
    )
    assert isinstance(found, dict)
    return found


@pytest.fixture(scope="module")
def s3_endpoint():
    """moto's S3 server in a thread of this process, on a free loopback port."""
    werkzeug = logging.getLogger("werkzeug")
    level = werkzeug.level
    werkzeug.setLevel(logging.WARNING)  # no line per request in the test output
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()
    werkzeug.setLevel(level)


@dataclass
class Bucket:
    client: object
    name: str

    def names(self, prefix: str = "") -> list[str]:
        found = self.client.list_objects_v2(Bucket=self.name, Prefix=prefix)
        return sorted(item["Key"] for item in found.get("Contents", []))

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()


@pytest.fixture(scope="module")
def s3_storage(s3_endpoint):
    """The default storage exactly as config/settings.py builds it for a bucket
    (read in a fresh process with the AWS_* variables set), aimed at moto."""
    storage = node_settings(
        AWS_STORAGE_BUCKET_NAME="set-per-test",
        AWS_S3_ENDPOINT_URL=s3_endpoint,
        AWS_S3_REGION_NAME=REGION,
        AWS_ACCESS_KEY_ID=KEYS["aws_access_key_id"],
        AWS_SECRET_ACCESS_KEY=KEYS["aws_secret_access_key"],
    )["storage"]
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    return storage


@pytest.fixture
def bucket(s3_endpoint, s3_storage, settings):
    """A new empty bucket of the test's own, the default storage pointed at it."""
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name=REGION, **KEYS)
    name = f"huankuan-{uuid.uuid4().hex[:16]}"
    client.create_bucket(Bucket=name)
    storage = {**s3_storage, "OPTIONS": {**s3_storage["OPTIONS"], "bucket_name": name}}
    settings.STORAGES = {**settings.STORAGES, "default": storage}
    yield Bucket(client, name)
    for key in Bucket(client, name).names():
        client.delete_object(Bucket=name, Key=key)
    client.delete_bucket(Bucket=name)


def files_on_disk(media_root) -> list[Path]:
    return [path for path in Path(media_root).rglob("*") if path.is_file()]


def logged_in(borrower) -> Client:
    client = Client()
    assert client.login(email=borrower.user.email, password=PASSWORD)
    return client


def finalised(borrower) -> ProposalVersion:
    proposal = make_proposal([DebtFactory(borrower=borrower)])
    return proposal_services.finalise(proposal, timezone.localdate(), "zh-hans")


def evidence(borrower):
    contact = NegotiationContact.objects.create(
        borrower=borrower,
        lender_name="某银行",
        occurred_at=timezone.now() - timedelta(days=1),
        channel=NegotiationContact.Channel.HOTLINE,
        asked="协商分期",
    )
    upload = SimpleUploadedFile("shot.png", PNG)
    return negotiation_services.add_attachment(contact, upload, attachments.sniff(PNG))


def test_the_default_storage_is_the_bucket(bucket):
    assert default_storage.bucket_name == bucket.name


@pytest.mark.django_db
def test_a_pdf_finalised_through_the_page_is_in_the_bucket_and_nowhere_on_disk(
    bucket, alice, bob, media_root
):
    proposal = make_proposal([DebtFactory(borrower=alice)])
    alice_client = logged_in(alice)
    response = alice_client.post(reverse("proposal_finalise", args=[proposal.pk]), DISCLOSURES)
    assert response.status_code == 302
    version = ProposalVersion.objects.get(proposal=proposal)
    assert Proposal.objects.get(pk=proposal.pk).status == Proposal.Status.FINALISED

    assert bucket.names() == [version.pdf.name]
    assert version.pdf.name.startswith(f"proposals/{alice.pk}/{proposal.pk}/")
    stored = bucket.read(version.pdf.name)
    assert stored.startswith(b"%PDF-")
    assert hashlib.sha256(stored).hexdigest() == version.sha256
    assert files_on_disk(media_root) == []

    url = reverse("version_download", args=[proposal.pk, version.number])
    download = alice_client.get(url)
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == stored

    assert logged_in(bob).get(url).status_code == 404
    assert Client().get(url).status_code == 302  # anonymous: to the login page


@pytest.mark.django_db
def test_the_object_is_private_and_the_storage_never_hands_out_a_plain_url(bucket, alice):
    version = finalised(alice)
    grants = bucket.client.get_object_acl(Bucket=bucket.name, Key=version.pdf.name)["Grants"]
    assert [grant["Permission"] for grant in grants] == ["FULL_CONTROL"]
    assert all(grant["Grantee"]["Type"] == "CanonicalUser" for grant in grants)  # no AllUsers
    # Any URL of the storage would be signed and expire; the app links none of them.
    assert "Signature=" in version.pdf.url and "Expires=" in version.pdf.url


@pytest.mark.django_db
def test_a_second_file_of_the_same_name_never_overwrites_the_first(bucket):
    first = default_storage.save("proposals/1/1/proposal-1-v1.pdf", ContentFile(b"%PDF- one"))
    second = default_storage.save("proposals/1/1/proposal-1-v1.pdf", ContentFile(b"%PDF- two"))
    assert first != second
    assert bucket.read(first) == b"%PDF- one"
    assert bucket.read(second) == b"%PDF- two"


@pytest.mark.django_db
def test_an_evidence_file_is_kept_in_the_bucket_and_served_only_to_its_owner(
    bucket, alice, bob, media_root
):
    attachment = evidence(alice)
    assert bucket.names(f"negotiation/{alice.pk}/") == [attachment.file.name]
    assert bucket.read(attachment.file.name) == PNG
    assert files_on_disk(media_root) == []

    url = reverse("negotiation_attachment", args=[attachment.pk])
    download = logged_in(alice).get(url)
    assert download.status_code == 200
    assert download["Content-Type"] == "image/png"
    assert b"".join(download.streaming_content) == PNG
    assert logged_in(bob).get(url).status_code == 404


@pytest.mark.django_db
def test_the_export_holds_the_pdf_read_from_the_bucket(bucket, alice):
    version = finalised(alice)
    response = logged_in(alice).get(reverse("data_export"))
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    data = json.loads(archive.read("data.json"))
    path = data["proposal_versions"][0]["pdf_file"]
    assert archive.read(path) == bucket.read(version.pdf.name)
    assert data["export"]["missing_files"] == []


@pytest.mark.django_db
def test_deleting_the_account_removes_her_objects_and_keeps_bobs(
    bucket, alice, bob, django_capture_on_commit_callbacks
):
    hers = finalised(alice)
    attachment = evidence(alice)
    orphan = default_storage.save(f"proposals/{alice.pk}/999/orphan.pdf", ContentFile(b"%PDF-"))
    his = finalised(bob)
    his_bytes = bucket.read(his.pdf.name)
    assert {hers.pdf.name, attachment.file.name, orphan} <= set(bucket.names())

    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in(alice).post(
            reverse("account_delete"),
            {"password": PASSWORD, "confirm": "DELETE"},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_deleted")

    for top in ("proposals", "negotiation", "legal"):
        assert bucket.names(f"{top}/{alice.pk}/") == []
    assert bucket.names() == [his.pdf.name]
    assert bucket.read(his.pdf.name) == his_bytes


@pytest.mark.django_db
def test_find_orphan_files_reads_the_bucket(bucket, alice, capsys):
    finalised(alice)
    call_command("find_orphan_files")
    assert capsys.readouterr().out.startswith("clean: 1 stored file, 1 row with files")

    orphan = default_storage.save(f"proposals/{alice.pk}/7/orphan.pdf", ContentFile(b"%PDF-"))
    with pytest.raises(SystemExit) as exit_code:
        call_command("find_orphan_files")
    assert exit_code.value.code == 1
    assert f"orphan file: {orphan}" in capsys.readouterr().out


# The settings, as a web node reads them at start -------------------------------

REDIS = "config.cache.RedisCache"


def test_redis_url_selects_the_redis_cache():
    found = node_settings(REDIS_URL="redis://127.0.0.1:6379/3")
    assert found["cache"] == {"BACKEND": REDIS, "LOCATION": "redis://127.0.0.1:6379/3"}


def test_cache_url_wins_over_redis_url():
    found = node_settings(
        CACHE_URL="redis://cache.internal:6379/1", REDIS_URL="redis://127.0.0.1:6379/3"
    )
    assert found["cache"] == {"BACKEND": REDIS, "LOCATION": "redis://cache.internal:6379/1"}


def test_without_either_each_process_has_its_own_cache():
    found = node_settings()
    assert found["cache"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"


def test_a_bucket_selects_private_s3_storage_and_without_one_the_disk():
    found = node_settings(
        AWS_STORAGE_BUCKET_NAME="huankuan-files",
        AWS_S3_ENDPOINT_URL="https://oss-cn-shanghai.aliyuncs.com",
        AWS_S3_REGION_NAME="cn-shanghai",
        AWS_ACCESS_KEY_ID="key-id",
        AWS_SECRET_ACCESS_KEY="secret",
    )
    storage = found["storage"]
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    options = storage["OPTIONS"]
    assert options["bucket_name"] == "huankuan-files"
    assert options["endpoint_url"] == "https://oss-cn-shanghai.aliyuncs.com"
    assert options["region_name"] == "cn-shanghai"
    assert (options["access_key"], options["secret_key"]) == ("key-id", "secret")
    assert options["default_acl"] == "private"
    assert options["querystring_auth"] is True
    assert options["file_overwrite"] is False
    assert options["custom_domain"] is None

    local = node_settings()["storage"]
    assert local["BACKEND"] == "django.core.files.storage.FileSystemStorage"


def test_sessions_are_kept_in_the_shared_database():
    """Every session is written to the database; with a cache that every process
    shares it is read from there first (cached_db), never from a process's own."""
    assert node_settings()["sessions"] == "django.contrib.sessions.backends.db"
    assert (
        node_settings(CACHE_URL="locmemcache://")["sessions"]
        == "django.contrib.sessions.backends.db"
    )
    assert (
        node_settings(REDIS_URL="redis://127.0.0.1:6379/3")["sessions"]
        == "django.contrib.sessions.backends.cached_db"
    )


REDIS_CACHE = {
    "default": {
        "BACKEND": "config.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/3",
    },
    "fragments": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
}


def test_the_redis_cache_keeps_one_client_per_pool_and_shares_it_between_threads(settings):
    """Every cache call used to build a new redis.Redis (and its callback table)."""
    settings.CACHES = REDIS_CACHE
    cache = caches["default"]
    client = cache._cache.get_client("a", write=True)
    assert cache._cache.get_client("b", write=True) is client
    seen = []

    def in_a_thread(n):
        cache.set(f"thread-{n}", n, 30)
        seen.append((cache._cache.get_client(), cache.get(f"thread-{n}")))

    threads = [threading.Thread(target=in_a_thread, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(value for _client, value in seen) == [0, 1, 2, 3]
    assert all(found is client for found, _value in seen)
    cache.delete_many([f"thread-{n}" for n in range(4)])


def test_a_session_in_the_shared_cache_is_in_the_database_and_ends_with_the_account(
    settings, alice
):
    """With Redis: the session is in the sessions table and in the cache, and
    deleting the account ends it in both (a node reading the cache first would
    otherwise still find it)."""
    from django.contrib.sessions.models import Session
    from django.core.cache import cache

    from borrowers.data_rights.sections import delete_account

    settings.CACHES = REDIS_CACHE
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    cache.clear()
    client = Client()
    assert client.login(email=alice.user.email, password=PASSWORD)
    key = client.session.session_key
    assert Session.objects.filter(session_key=key).exists()
    assert cache.get(f"django.contrib.sessions.cached_db{key}") is not None
    assert client.get(reverse("dashboard")).status_code == 200

    delete_account(alice.user)

    assert not Session.objects.filter(session_key=key).exists()
    assert cache.get(f"django.contrib.sessions.cached_db{key}") is None
    assert "/accounts/login/" in client.get(reverse("dashboard"))["Location"]
