"""Recording a legal matter: its stages and their deadlines, its documents, and
what follows from a change (the current stage, the caseload figures, the files)."""

from __future__ import annotations

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext

from borrowers.data_rights.sections import remove_files
from borrowers.signals import triage_changed
from repayment_plans.legal import deadlines
from repayment_plans.legal.calendar import holiday_calendar
from repayment_plans.legal.models import LegalDocument, LegalMatter, LegalStage
from repayment_plans.negotiation import attachments
from repayment_plans.negotiation.attachments import DOCUMENT, SCREENSHOT, FileType
from repayment_plans.refusals import Refused

MAX_DOCUMENTS_PER_STAGE = 10
# The kinds of negotiation/attachments.py a court document may be: pictures and PDFs,
# never recordings.
DOCUMENT_KINDS = (SCREENSHOT, DOCUMENT)


def compute_deadline(stage: LegalStage, calendar: deadlines.Calendar | None = None):
    """The stage's deadline from its kind, its date of receipt and the holiday calendar."""
    return deadlines.stage_deadline(
        stage.kind, stage.received_on, calendar if calendar is not None else holiday_calendar()
    )


def _refresh_current(matter: LegalMatter) -> None:
    latest = matter.stages.order_by("-received_on", "-pk").first()
    if matter.current_stage_id != (latest.pk if latest else None):
        matter.current_stage = latest
    matter.save()  # updated_at: the matter moves to the top of the list


@transaction.atomic
def save_stage(stage: LegalStage) -> LegalStage:
    """Save a stage with its deadline; the matter's current stage and the
    borrower's caseload figures follow."""
    found = compute_deadline(stage)
    stage.deadline_on = found.due if found else None
    stage.save()
    matter = LegalMatter.objects.select_for_update().get(pk=stage.matter_id)
    _refresh_current(matter)
    triage_changed(matter.borrower_id)
    return stage


@transaction.atomic
def start_matter(matter: LegalMatter, stage: LegalStage) -> LegalMatter:
    matter.save()
    stage.matter = matter
    save_stage(stage)
    matter.refresh_from_db()
    return matter


@transaction.atomic
def delete_stage(stage: LegalStage) -> None:
    matter = LegalMatter.objects.select_for_update().get(pk=stage.matter_id)
    names = [d.file.name for d in stage.documents.all() if d.file.name]
    stage.delete()
    _refresh_current(matter)
    triage_changed(matter.borrower_id)
    transaction.on_commit(lambda: remove_files(names))


@transaction.atomic
def delete_matter(matter: LegalMatter) -> None:
    names = [d.file.name for d in LegalDocument.objects.filter(stage__matter=matter) if d.file.name]
    borrower_id = matter.borrower_id
    matter.delete()
    triage_changed(borrower_id)
    transaction.on_commit(lambda: remove_files(names))


def recompute_deadlines() -> int:
    """After a change of the holiday calendar: every stored deadline again."""
    calendar = holiday_calendar()
    changed = []
    for stage in LegalStage.objects.only("pk", "kind", "received_on", "deadline_on"):
        found = compute_deadline(stage, calendar)
        due = found.due if found else None
        if due != stage.deadline_on:
            stage.deadline_on = due
            changed.append(stage)
    LegalStage.objects.bulk_update(changed, ["deadline_on"])
    borrowers = set(
        LegalMatter.objects.filter(stages__in=changed).values_list("borrower_id", flat=True)
    )
    for borrower_id in borrowers:
        triage_changed(borrower_id)
    return len(changed)


def accepted(file_type: FileType | None) -> bool:
    return file_type is not None and file_type.kind in DOCUMENT_KINDS


def add_document(stage: LegalStage, upload: UploadedFile, file_type: FileType) -> LegalDocument:
    """Store the file under the borrower's folder with a random name and the
    extension of what it is (sniffed by negotiation/attachments.py), not of what
    it was called."""
    if not accepted(file_type):
        raise Refused(gettext("Only photos and PDFs can be kept here."))
    if stage.documents.count() >= MAX_DOCUMENTS_PER_STAGE:
        raise Refused(
            gettext("A stage keeps at most %(n)s files.") % {"n": MAX_DOCUMENTS_PER_STAGE}
        )
    document = LegalDocument(
        stage=stage,
        kind=file_type.kind,
        original_name=(upload.name or "")[-200:],
        content_type=file_type.content_type,
        size=upload.size or 0,
    )
    return attachments.store(document, document.file, upload, "document", file_type)


@transaction.atomic
def delete_document(document: LegalDocument) -> None:
    name = document.file.name
    document.delete()
    if name:
        transaction.on_commit(lambda: remove_files([name]))
