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

# The letter's attachments (templates/pdf/proposal.html, section 7).
ID_CARD = _("Copy of my ID card")
CREDIT_REPORT = _("My personal credit report")
INCOME_PROOF = _("Bank statements or proof of income for the last 3 months")
COMMON: tuple[StrOrPromise, ...] = (ID_CARD, CREDIT_REPORT, INCOME_PROOF)

EVIDENCE: dict[str, tuple[StrOrPromise, ...]] = {
    HardshipReason.UNEMPLOYMENT: (
        _("Unemployment registration certificate"),
        _("The notice ending the labour contract, or a certificate of leaving the job"),
    ),
    HardshipReason.ILLNESS: (
        _("Hospital bills and payment receipts"),
        _("A diagnosis certificate or medical records"),
        _("Hospital admission or discharge records"),
    ),
    HardshipReason.FAMILY_EMERGENCY: (
        _(
            "Documents of the emergency, such as a family member's hospital bills, "
            "a death certificate or an accident report"
        ),
        _("Proof of the relationship to that family member, such as the household register"),
        _("Receipts for the costs it caused"),
    ),
    HardshipReason.BUSINESS_FAILURE: (
        _("Proof that the business closed or its licence was cancelled"),
        _("Business accounts or bank statements showing the losses"),
    ),
    HardshipReason.INCOME_CUT: (
        _("Pay slips from before and after the cut"),
        _("The notice of the pay cut or of the job transfer"),
    ),
    HardshipReason.OTHER: (_("Any document that shows what happened and when"),),
}


def evidence_for(cause: str) -> tuple[StrOrPromise, ...]:
    """The proof of ``cause`` (a HardshipReason value, or "" when none is given),
    then the proof of income the lender asks for in any case."""
    return EVIDENCE.get(cause, EVIDENCE[HardshipReason.OTHER]) + (INCOME_PROOF,)
