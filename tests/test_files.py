"""Stored files and the people they belong to: every file in a borrower's folders
goes into their export and away with their account, also one that no row points
to (an orphan, e.g. from a finalise whose transaction failed); no other
borrower's file is touched, not even one whose id starts with the same digits.
`find_orphan_files` reports orphans and rows whose file is missing.

Every test stores its files in a folder of its own (the autouse `media_root`).
"""

import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from borrowers.data_rights import sections as data_rights
from borrowers.models import Borrower, User
from repayment_plans.models import ProposalVersion
from repayment_plans.proposals import services as proposal_services
from tests.factories import BorrowerFactory, DebtFactory
from tests.repayment_plans.conftest import make_proposal


def store_version(borrower, content: bytes | None = None) -> ProposalVersion:
    """A finalised version with its PDF in storage, where finalise puts it
    (without rendering a real letter: the bytes are not under test)."""
    proposal = make_proposal([DebtFactory(borrower=borrower)])
    content = content or f"%PDF-1.7 letter of {borrower.display_name}".encode()
    version = ProposalVersion(
        proposal=proposal,
        number=1,
        sha256=hashlib.sha256(content).hexdigest(),
        language="zh-hans",
        terms={},
    )
    version.pdf.save(f"proposal-{proposal.pk}-v1.pdf", ContentFile(content), save=True)
    return version


def plant(name: str, content: bytes = b"%PDF-1.7 orphan") -> str:
    """A file that no row points to, written as the app writes files."""
    stored = default_storage.save(name, ContentFile(content))
    assert stored == name
    return stored


def everything_stored() -> dict[str, bytes]:
    files, _folders = data_rights.stored_tree("")
    result = {}
    for name in files:
        with default_storage.open(name, "rb") as handle:
            result[name] = handle.read()
    return result


def on_disk(name: str) -> Path:
    return Path(settings.MEDIA_ROOT) / name


@pytest.fixture
def neighbours(alice):
    """Borrowers whose ids start with Alice's digits (1 → 10 and 100, 7 → 70 and 700)."""
    return [
        BorrowerFactory(id=int(f"{alice.pk}0"), display_name="Ten"),
        BorrowerFactory(id=int(f"{alice.pk}00"), display_name="Hundred"),
    ]


@pytest.fixture
def stored(alice, bob, neighbours):
    """A version with its PDF for everyone, and an orphan in everyone's folder."""
    people = [alice, bob, *neighbours]
    return {
        person.pk: {
            "version": store_version(person),
            "orphan": plant(f"proposals/{person.pk}/999/orphan.pdf", f"of {person.pk}".encode()),
        }
        for person in people
    }


# Where files go ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "folder", "inside"),
    [
        ("proposals/1/2/a.pdf", "proposals/1", True),
        ("proposals/1/a.pdf", "proposals/1", True),
        ("proposals/10/2/a.pdf", "proposals/1", False),
        ("proposals/100/a.pdf", "proposals/1", False),
        ("proposals/1", "proposals/1", False),
        ("proposals/1/../10/a.pdf", "proposals/1", False),
        ("other/1/a.pdf", "proposals/1", False),
    ],
)
def test_a_file_is_in_a_folder_by_path_segments_not_by_string_prefix(name, folder, inside):
    assert data_rights.is_within(name, folder) is inside


def test_a_finalised_pdf_is_stored_in_its_borrowers_folder(alice):
    debt = DebtFactory(borrower=alice, annual_rate_percent=0)
    version = proposal_services.finalise(make_proposal([debt]), timezone.localdate(), "zh-hans")
    folders = data_rights.borrower_folders(alice.pk)
    assert any(data_rights.is_within(version.pdf.name, folder) for folder in folders)
    assert data_rights.borrower_files(alice.pk) == [version.pdf.name]


# Deletion ------------------------------------------------------------------------------


def delete(borrower, capture):
    with capture(execute=False) as callbacks:
        data_rights.delete_account(borrower.user)
    return callbacks


def test_deletion_empties_her_folders_orphans_too_and_leaves_everyone_elses(
    alice, bob, neighbours, stored, django_capture_on_commit_callbacks
):
    hers = f"proposals/{alice.pk}"
    nested = plant(f"{hers}/old/deeper/left-by-older-code.pdf")
    assert stored[alice.pk]["orphan"] in data_rights.borrower_files(alice.pk)
    others = {
        name: content
        for name, content in everything_stored().items()
        if not data_rights.is_within(name, hers)
    }
    assert {f"proposals/{n.pk}/999/orphan.pdf" for n in neighbours} <= set(others)

    callbacks = delete(alice, django_capture_on_commit_callbacks)
    # Nothing goes before the deletion commits.
    assert on_disk(stored[alice.pk]["orphan"]).is_file()
    assert on_disk(nested).is_file()
    for callback in callbacks:
        callback()

    assert not User.objects.filter(pk=alice.user_id).exists()
    assert data_rights.stored_tree(hers) == ([], [])
    assert not on_disk(hers).exists()  # her folder goes too
    assert on_disk("proposals").is_dir()  # the top folder stays, for the next file
    assert everything_stored() == others  # Bob's, Ten's and Hundred's, byte for byte
    for person in (bob, *neighbours):
        version = ProposalVersion.objects.get(pk=stored[person.pk]["version"].pk)
        assert version.pdf.name in others


def test_a_deletion_that_rolls_back_keeps_every_file(
    alice, stored, django_capture_on_commit_callbacks
):
    before = everything_stored()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        data_rights.delete_account(alice.user)
        raise RuntimeError("the deletion failed")
    assert callbacks == []
    assert Borrower.objects.filter(pk=alice.pk).exists()
    assert everything_stored() == before


# Export --------------------------------------------------------------------------------


def test_the_export_holds_her_orphans_in_their_own_folder_and_nobody_elses(
    alice, stored, alice_client
):
    response = alice_client.get(reverse("data_export"))
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    data = json.loads(archive.read("data.json"))
    version = stored[alice.pk]["version"]
    orphan = stored[alice.pk]["orphan"]

    assert archive.read(f"pdfs/{version.filename}") == version.pdf.open("rb").read()
    assert archive.read(f"other_files/{orphan}") == f"of {alice.pk}".encode()
    assert data["export"]["other_files"] == [f"other_files/{orphan}"]
    # The PDF a row points to is not there twice; nobody else's file is there.
    assert sorted(archive.namelist()) == sorted(
        ["data.json", f"pdfs/{version.filename}", f"other_files/{orphan}"]
    )


# The command ---------------------------------------------------------------------------


def find_orphans(*args) -> tuple[int, list[str]]:
    out = io.StringIO()
    try:
        call_command("find_orphan_files", *args, stdout=out)
        code = 0
    except SystemExit as exit:
        code = exit.code
    return code, out.getvalue().splitlines()


@pytest.fixture
def broken(alice, bob):
    """Alice's PDF and an orphan in her folder; Bob's version whose PDF is gone."""
    alices = store_version(alice)
    bobs = store_version(bob)
    default_storage.delete(bobs.pdf.name)
    return {"version": alices, "missing": bobs, "orphan": plant(f"proposals/{alice.pk}/9/o.pdf")}


def test_the_command_reports_an_orphan_and_a_row_without_its_file_and_exits_1(alice, bob, broken):
    code, lines = find_orphans()
    missing = broken["missing"]
    assert code == 1
    assert lines == [
        f"orphan file: {broken['orphan']}",
        f"missing file: repayment_plans.ProposalVersion {missing.pk} pdf: {missing.pdf.name}",
        "found: 1 orphan file (dry run: --delete removes them), 1 row with a missing file; "
        "2 stored files, 2 rows with files",
    ]
    assert on_disk(broken["orphan"]).is_file()  # a dry report deletes nothing
    text = "\n".join(lines)
    for person in (alice, bob):
        assert person.display_name not in text
        assert person.user.email not in text


def test_delete_removes_the_orphan_files_and_never_a_row(broken):
    rows = ProposalVersion.objects.count()
    code, lines = find_orphans("--delete", "--min-age", "0")
    assert code == 1  # something was found
    assert lines[0] == f"orphan file: {broken['orphan']} (deleted)"
    assert lines[-1].startswith("found: 1 orphan file, 1 deleted, 1 row with a missing file")
    assert not default_storage.exists(broken["orphan"])
    assert not on_disk(broken["orphan"]).parent.exists()
    assert default_storage.exists(broken["version"].pdf.name)
    assert ProposalVersion.objects.count() == rows

    code, lines = find_orphans()
    assert code == 1
    assert [line.split(":")[0] for line in lines] == ["missing file", "found"]


def test_delete_keeps_an_orphan_young_enough_to_be_a_finalise_under_way(broken):
    code, lines = find_orphans("--delete")
    assert code == 1
    assert lines[0].startswith(f"orphan file: {broken['orphan']} (kept: younger than 60")
    assert default_storage.exists(broken["orphan"])


def test_a_clean_storage_says_clean_and_exits_0(alice, bob):
    assert find_orphans() == (
        0,
        ["clean: 0 stored files, 0 rows with files; no orphan file, no missing file"],
    )
    store_version(alice)
    store_version(bob)
    assert find_orphans() == (
        0,
        ["clean: 2 stored files, 2 rows with files; no orphan file, no missing file"],
    )
