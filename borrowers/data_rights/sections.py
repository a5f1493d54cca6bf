"""A borrower's rights over their data (PIPL): a copy of everything, and deletion.

Everything the app holds about a person is listed once, in ``SECTIONS``: each
section names a model and gives, from the signed-in user, the queryset of that
person's rows. The export writes every section to ``data.json`` (plus the
stored PDFs); the deletion removes every section's rows and files. Stored files
live under folders of their borrower (``BORROWER_FOLDERS``): the export and the
deletion take every file there too, also one that no row points to any more
(a PDF written by a finalise whose transaction then failed). A model
that can reach a user or a borrower through its foreign keys must either have
a section or be listed in ``EXCLUDED`` with the reason (the test suite walks
the models and fails otherwise), so a new model is never forgotten.

Another app adds its own section with ``register(Section(...))`` from its
``AppConfig.ready()``.
"""

from __future__ import annotations

import io
import json
import logging
import os
import posixpath
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from importlib import import_module
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, cast

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from borrowers.models import (
    AccessEvent,
    AccessGrant,
    Borrower,
    CaseNote,
    CollectionContact,
    Debt,
    Invite,
    Transfer,
    Triage,
    User,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
SESSION_USER_KEY = "_auth_user_id"
# The zip's folder for stored files of the person that no row points to.
OTHER_FILES = "other_files"


@dataclass(frozen=True)
class Section[M: models.Model]:
    """One kind of row in a person's data."""

    name: str  # the key in data.json
    model: type[M]
    label: StrOrPromise  # what the page calls it (translated)
    rows: Callable[[User], models.QuerySet[M]]  # the person's rows, starting from the user
    fields: tuple[str, ...] | None = None  # None: every concrete field
    exclude: tuple[str, ...] = ()  # secrets and other people's ids, never exported
    additions: Callable[[M], dict[str, Any]] | None = None  # readable values per row
    files: Callable[[M], list[tuple[str, FieldFile]]] | None = None  # (zip path, file)
    # Rows that belong to someone else but mention the person: made anonymous on
    # deletion instead of deleted (None: the rows are deleted with the account).
    anonymise: Callable[[models.QuerySet[M]], object] | None = None

    def serialize(self, obj: M) -> dict[str, Any]:
        row = {}
        for field in obj._meta.concrete_fields:
            if field.name in self.exclude or field.attname in self.exclude:
                continue
            if self.fields is not None and field.name not in self.fields:
                continue
            row[field.attname] = plain(getattr(obj, field.attname))
        if self.additions is not None:
            row.update({key: plain(value) for key, value in self.additions(obj).items()})
        return row


SECTIONS: list[Section[Any]] = []

# Models with a path to a user or a borrower that are not a person's data here.
EXCLUDED: dict[str, str] = {
    "borrowers.Counselor": (
        "A counselor's work profile at an agency, not borrower data. Counselors have no "
        "export or self-service deletion: their case notes stay with the agency."
    ),
    "borrowers.CounselorInvite": (
        "An agency's invitation of a counselor by email: the counselor's work account, "
        "not borrower data (as borrowers.Counselor)."
    ),
    "admin.LogEntry": (
        "Staff actions in the admin, recorded under the staff member. Entries about a "
        "deleted person's records are removed with them (see delete_account)."
    ),
}


# What other apps must do before a person's rows go (their AppConfig.ready()
# adds it with on_delete): each is called with the borrower, in the transaction.
BEFORE_DELETE: list[Callable[[Borrower], None]] = []


def on_delete(action: Callable[[Borrower], None]) -> Callable[[Borrower], None]:
    BEFORE_DELETE.append(action)
    return action


def register(section: Section[Any]) -> Section[Any]:
    if any(s.name == section.name for s in SECTIONS):
        raise ValueError(f"A data-rights section named {section.name!r} already exists.")
    SECTIONS.append(section)
    return section


def exclude(model_label: str, reason: str) -> None:
    """Declare that a model with a path to a person holds none of their data, and why."""
    if not reason.strip():
        raise ValueError("Say why the model is not part of a person's data.")
    EXCLUDED[model_label] = reason


def plain(value):
    """A JSON value: Decimals as strings, dates and times ISO (local time zone)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return (timezone.localtime(value) if timezone.is_aware(value) else value).isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, FieldFile):
        return value.name or None
    return value


# The sections ---------------------------------------------------------------


def _counselor(obj_counselor) -> dict:
    return {"counselor": obj_counselor.display_name, "agency": obj_counselor.agency.name}


register(
    Section(
        "account",
        User,
        _("Your account: email, name, language, dates"),
        lambda user: User.objects.filter(pk=user.pk),
        fields=("id", "email", "first_name", "last_name", "language", "date_joined", "last_login"),
    )
)
register(
    Section(
        "borrower",
        Borrower,
        _("Your profile and monthly budget"),
        lambda user: Borrower.objects.filter(user=user),
    )
)
register(
    Section(
        "debts",
        Debt,
        _("Debts"),
        lambda user: Debt.objects.for_user(user).select_related("profile"),
        additions=lambda debt: {"product": debt.profile.key},
    )
)
register(
    Section(
        "access_grants",
        AccessGrant,
        _("Counselors you gave access to"),
        lambda user: AccessGrant.objects.filter(borrower__user=user).select_related(
            "counselor__agency"
        ),
        additions=lambda grant: _counselor(grant.counselor),
    )
)
register(
    Section(
        "access_events",
        AccessEvent,
        _("Access log: when counselors looked at or changed your data"),
        lambda user: AccessEvent.objects.filter(borrower__user=user).select_related(
            "counselor__agency"
        ),
        additions=lambda event: _counselor(event.counselor),
    )
)
register(
    Section(
        "transfers",
        Transfer,
        _("Transfers to another counselor proposed to you"),
        lambda user: Transfer.objects.filter(borrower__user=user).select_related(
            "from_counselor__agency", "to_counselor"
        ),
        exclude=("requested_by",),
        additions=lambda t: {
            "from_counselor": t.from_counselor.display_name,
            "to_counselor": t.to_counselor.display_name,
            "agency": t.from_counselor.agency.name,
        },
    )
)
register(
    Section(
        "case_notes",
        CaseNote,
        _("Notes counselors wrote about you"),
        lambda user: CaseNote.objects.filter(borrower__user=user).select_related("author__agency"),
        additions=lambda note: _counselor(note.author),
    )
)
register(
    Section(
        "invites_used",
        Invite,
        _("Counselor invite codes you used"),
        lambda user: Invite.objects.filter(used_by__user=user).select_related("counselor__agency"),
        fields=("id", "code", "used_at", "counselor"),
        additions=lambda invite: _counselor(invite.counselor),
        # The invite is the counselor's; it only forgets who used it.
        anonymise=lambda rows: rows.update(used_by=None),
    )
)
register(
    Section(
        "collection_contacts",
        CollectionContact,
        _("Contacts by debt collectors you recorded"),
        lambda user: CollectionContact.objects.for_user(user),
    )
)
register(
    Section(
        "caseload_figures",
        Triage,
        _("The figures your counselor's caseload shows about you"),
        lambda user: Triage.objects.filter(borrower__user=user),
    )
)
exclude(
    "borrowers.PositionStamp",
    "a random version number of the borrower's data for the position cache: it says "
    "nothing about the person, and is deleted with the borrower",
)


def _register_login_records() -> None:
    """Login throttling keeps each sign-in and failed attempt under the email,
    with the address and browser: the person's data too (no foreign key to find)."""
    if not apps.is_installed("axes"):
        return

    def by_email(model):
        return lambda user: model.objects.filter(username__iexact=user.email)

    hidden = ("session_hash", "get_data", "post_data", "http_accept")
    register(Section("sign_ins", AccessLog, _("Sign-ins"), by_email(AccessLog), exclude=hidden))
    register(
        Section(
            "failed_sign_ins",
            AccessFailureLog,
            _("Failed sign-ins"),
            by_email(AccessFailureLog),
            exclude=hidden,
        )
    )
    register(
        Section(
            "sign_in_lockouts",
            AccessAttempt,
            _("Failed sign-ins counting towards a lockout"),
            by_email(AccessAttempt),
            exclude=hidden,
        )
    )


_register_login_records()


# Stored files -------------------------------------------------------------------

# Top-level folders of the default storage that hold one folder per borrower,
# named by the borrower's id: everything in proposals/<borrower id>/ is theirs
# (ProposalVersion.pdf goes to proposals/<borrower id>/<proposal id>/), and so
# is everything in negotiation/<borrower id>/ (the negotiation log's evidence
# files, negotiation/<borrower id>/<contact id>/), and so is everything in
# legal/<borrower id>/ (photos and PDFs of court documents,
# legal/<borrower id>/<matter id>/). Disputes, complaints and the legal
# documents the app drafts are rendered on request, never stored.
BORROWER_FOLDERS: list[str] = ["proposals", "negotiation", "legal"]


def borrower_folders(borrower_id: int) -> list[str]:
    """The storage folders holding this borrower's files and no one else's."""
    if isinstance(borrower_id, bool) or int(borrower_id) <= 0:
        raise ValueError("A borrower's folders need the borrower's id.")
    return [f"{top}/{int(borrower_id)}" for top in BORROWER_FOLDERS]


def is_within(name: str, folder: str) -> bool:
    """Whether the storage name lies in the folder, compared segment by segment:
    proposals/1/x.pdf is within proposals/1, proposals/10/x.pdf is not."""
    parts, top = PurePosixPath(name).parts, PurePosixPath(folder).parts
    return len(parts) > len(top) and parts[: len(top)] == top and ".." not in parts


def stored_tree(folder: str = "") -> tuple[list[str], list[str]]:
    """(files, subfolders) under ``folder`` of the default storage, recursively,
    as storage names ("" is the whole storage). Through the storage API only."""
    try:
        dirs, names = default_storage.listdir(folder)
    except FileNotFoundError:
        return [], []
    files = [posixpath.join(folder, name) for name in sorted(names)]
    folders = []
    for name in sorted(dirs):
        sub = posixpath.join(folder, name)
        sub_files, sub_folders = stored_tree(sub)
        files += sub_files
        folders += [sub, *sub_folders]
    return files, folders


def borrower_files(borrower_id: int) -> list[str]:
    """Every stored file in the borrower's folders, whether a row points to it or not."""
    return [
        name
        for folder in borrower_folders(borrower_id)
        for name in stored_tree(folder)[0]
        if is_within(name, folder)
    ]


# Export ------------------------------------------------------------------------


def export_data(user: User) -> dict:
    """Every section of the user's data, as JSON-ready values."""
    data: dict[str, Any] = {
        "export": {
            "format_version": FORMAT_VERSION,
            "created_at": plain(timezone.now()),
            "sections": [s.name for s in SECTIONS],
        }
    }
    for section in SECTIONS:
        data[section.name] = [section.serialize(obj) for obj in section.rows(user)]
    return data


def _files(user: User) -> Iterable[tuple[str, FieldFile]]:
    for section in SECTIONS:
        if section.files is None:
            continue
        for obj in section.rows(user):
            yield from section.files(obj)


def export_zip(user: User) -> bytes:
    """A zip with data.json and the stored files, in memory.

    The files rows point to (finalised proposal PDFs) go where data.json says;
    any other file in the person's folders goes under other_files/, by its
    storage path, so that the copy holds every file the app keeps about them.
    """
    data = export_data(user)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        missing, others, listed = [], [], set()
        for arcname, stored in _files(user):
            listed.add(stored.name)
            try:
                with stored.open("rb") as handle:
                    archive.writestr(arcname, handle.read())
            except FileNotFoundError:
                missing.append(arcname)
        borrower = getattr(user, "borrower", None)  # None for a counselor's account
        for name in borrower_files(borrower.pk) if borrower is not None else []:
            if name in listed:
                continue
            arcname = f"{OTHER_FILES}/{name}"
            try:
                with default_storage.open(name, "rb") as handle:
                    archive.writestr(arcname, handle.read())
            except FileNotFoundError:  # deleted since the listing
                continue
            others.append(arcname)
        data["export"]["missing_files"] = missing
        data["export"]["other_files"] = others
        archive.writestr(
            "data.json", json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
        )
    return buffer.getvalue()


def export_filename(today: date) -> str:
    return f"huankuan-data-{today.isoformat()}.zip"


# Deletion ----------------------------------------------------------------------


class CannotDelete(Exception):
    """The account cannot be deleted here (a counselor's account)."""


def can_delete(user: User) -> bool:
    """Borrowers delete their own accounts; counselors' go through their agency."""
    return hasattr(user, "borrower") and not hasattr(user, "counselor")


@transaction.atomic
def delete_account(user: User) -> None:
    """Delete the user and everything in the sections; revoke counselor access.

    Stored files are removed once the transaction commits: the files rows
    point to, and everything else in the borrower's folders. Nothing about the
    person is kept, not even an anonymous record of the deletion.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    if not can_delete(user):
        raise CannotDelete
    borrower = user.borrower
    borrower_id = borrower.pk
    rows = {s.name: list(s.rows(user).values_list("pk", flat=True)) for s in SECTIONS}
    # Sections list stored files only (a file with a name), as export_zip opens them.
    files = [cast(str, stored.name) for _arcname, stored in _files(user)]

    _revoke_access(borrower)
    for action in BEFORE_DELETE:
        action(borrower)
    _forget_in_admin_log(rows)
    _end_sessions(user)
    for section in SECTIONS:
        if section.anonymise is not None:
            section.anonymise(section.model.objects.filter(pk__in=rows[section.name]))
    user.delete()
    # Everything normally goes with the user by cascade; whatever a section
    # lists that did not (a foreign key set to null) goes now.
    for section in SECTIONS:
        if section.anonymise is None:
            section.model.objects.filter(pk__in=rows[section.name]).delete()
    transaction.on_commit(lambda: remove_borrower_files(borrower_id, files))
    log.info("An account was deleted at its owner's request.")


def _revoke_access(borrower: Borrower) -> None:
    """Revoke every grant as a revoke by hand would, so that the counselor's
    caseload loses the borrower at once; the grants then go with the rest."""
    now = timezone.now()
    for grant in borrower.grants.active().select_related("counselor"):
        grant.revoked_at = now
        grant.save(update_fields=["revoked_at"])
        AccessEvent.record(borrower, grant.counselor, AccessEvent.Action.REVOKE, "account deleted")


def _forget_in_admin_log(rows: dict[str, list[int]]) -> None:
    """Staff edits of the person's records name them (object_repr): remove those entries."""
    for section in SECTIONS:
        ids = [str(pk) for pk in rows[section.name]]
        if ids and section.anonymise is None:
            LogEntry.objects.filter(
                content_type=ContentType.objects.get_for_model(section.model),
                object_id__in=ids,
            ).delete()


def _end_sessions(user: User) -> None:
    """Sign the user out everywhere: delete the stored sessions that carry their id.

    Sessions are not indexed by user, so the live ones are decoded; expired ones
    are left to `clearsessions`, and can no longer sign anyone in.
    """
    user_id = str(user.pk)
    doomed = []
    live = Session.objects.filter(expire_date__gt=timezone.now())
    for session in live.iterator(chunk_size=500):
        if session.get_decoded().get(SESSION_USER_KEY) == user_id:
            doomed.append(session.session_key)
    # Through the session engine: the row, and any copy in the shared cache (cached_db).
    store = import_module(settings.SESSION_ENGINE).SessionStore
    for key in doomed:
        store(session_key=key).delete()


def remove_borrower_files(borrower_id: int, names: list[str]) -> None:
    """After a deletion commits: the files its rows pointed to, then every file
    left in the borrower's folders (orphans), and the folders themselves.

    Only the borrower's own folders are walked, and each name is checked to lie
    in one of them by path segments, so borrower 1's deletion never reaches
    proposals/10/ or proposals/100/.
    """
    remove_files(names)
    for folder in borrower_folders(borrower_id):
        try:
            files, subfolders = stored_tree(folder)
        except OSError:
            log.warning("Could not list the stored files of a deleted account")
            continue
        remove_files([name for name in files if is_within(name, folder)])
        _remove_empty_folders(
            {Path(sub) for sub in subfolders if is_within(sub, folder)} | {Path(folder)}
        )


def remove_files(names: list[str]) -> list[str]:
    """Delete stored files and the folders they leave empty; the names deleted."""
    folders, deleted = set(), []
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            log.warning("Could not delete a stored file")
            continue
        deleted.append(name)
        folders.add(Path(name).parent)
    _remove_empty_folders(folders)
    return deleted


def _remove_empty_folders(folders: set[Path]) -> None:
    """Remove the folders that are empty, and the parents they leave empty, short
    of the storage's top-level folders (proposals/ stays, for the next file).

    Only files on a disk (FileSystemStorage) leave folders behind; an object
    store (the S3 bucket) has none, a name's prefix goes with its last object,
    and its storage has no local path: nothing to do there."""
    try:
        root = Path(default_storage.path("")).resolve()
    except NotImplementedError:  # storage without folders
        return
    for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        path = (root / folder).resolve()
        while root in path.parents and path.parent != root:
            try:
                os.rmdir(path)
            except OSError:  # not empty, or already gone
                break
            path = path.parent
