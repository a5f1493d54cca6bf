"""The evidence a borrower can send for each cause of hardship (docs/domain.md §3, §7).

Data, as lazy translations, so that the call script and the proposal letter
name the same documents. ``COMMON`` is what every application carries (the
letter's attachments, same msgids); ``EVIDENCE[cause]`` is the proof of the
cause itself: unemployment registration, hospital bills, pay slips [practice].
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from borrowers.models import HardshipReason

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Every document, under a key the proposal keeps when the borrower ticks it as
# attached (Proposal.evidence). The first three are the letter's attachments
# for any cause (templates/pdf/proposal.html, section 7).
DOCUMENTS: dict[str, StrOrPromise] = {
    "id_card": _("Copy of my ID card"),
    "credit_report": _("My personal credit report"),
    "income_proof": _("Bank statements or proof of income for the last 3 months"),
    "unemployment_registration": _("Unemployment registration certificate"),
    "contract_end": _("The notice ending the labour contract, or a certificate of leaving the job"),
    "hospital_bills": _("Hospital bills and payment receipts"),
    "diagnosis": _("A diagnosis certificate or medical records"),
    "hospital_records": _("Hospital admission or discharge records"),
    "emergency_documents": _(
        "Documents of the emergency, such as a family member's hospital bills, "
        "a death certificate or an accident report"
    ),
    "relationship": _(
        "Proof of the relationship to that family member, such as the household register"
    ),
    "emergency_receipts": _("Receipts for the costs it caused"),
    "business_closed": _("Proof that the business closed or its licence was cancelled"),
    "business_losses": _("Business accounts or bank statements showing the losses"),
    "pay_slips": _("Pay slips from before and after the cut"),
    "pay_cut_notice": _("The notice of the pay cut or of the job transfer"),
    "other_proof": _("Any document that shows what happened and when"),
}
ID_CARD = DOCUMENTS["id_card"]
CREDIT_REPORT = DOCUMENTS["credit_report"]
INCOME_PROOF = DOCUMENTS["income_proof"]
COMMON_KEYS = ("id_card", "credit_report", "income_proof")
COMMON: tuple[StrOrPromise, ...] = tuple(DOCUMENTS[key] for key in COMMON_KEYS)

EVIDENCE_KEYS: dict[str, tuple[str, ...]] = {
    HardshipReason.UNEMPLOYMENT: ("unemployment_registration", "contract_end"),
    HardshipReason.ILLNESS: ("hospital_bills", "diagnosis", "hospital_records"),
    HardshipReason.FAMILY_EMERGENCY: ("emergency_documents", "relationship", "emergency_receipts"),
    HardshipReason.BUSINESS_FAILURE: ("business_closed", "business_losses"),
    HardshipReason.INCOME_CUT: ("pay_slips", "pay_cut_notice"),
    HardshipReason.OTHER: ("other_proof",),
}
EVIDENCE: dict[str, tuple[StrOrPromise, ...]] = {
    cause: tuple(DOCUMENTS[key] for key in keys) for cause, keys in EVIDENCE_KEYS.items()
}


def evidence_for(cause: str) -> tuple[StrOrPromise, ...]:
    """The proof of ``cause`` (a HardshipReason value, or "" when none is given),
    then the proof of income the lender asks for in any case."""
    return EVIDENCE.get(cause, EVIDENCE[HardshipReason.OTHER]) + (INCOME_PROOF,)


def letter_checklist(cause: str) -> tuple[str, ...]:
    """The documents a proposal letter can list as attached, by key: what every
    application carries, then the proof of ``cause``."""
    return COMMON_KEYS + EVIDENCE_KEYS.get(cause, EVIDENCE_KEYS[HardshipReason.OTHER])
