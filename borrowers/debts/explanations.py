"""Plain-language text for each tier (docs/domain.md §1 and §6).

Lender behaviour per tier comes from the seed article; report codes and
collection rules from the sources named beside them. Kept as translatable
data so that pages, the PDF and emails say the same thing.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from borrowers.debts.tiers import Tier
from borrowers.templatetags.money import percent

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class TierText:
    name: "StrOrPromise"
    dpd_range: "StrOrPromise"
    lender_actions: tuple["StrOrPromise", ...]
    report_meaning: "StrOrPromise"


TIER_TEXT = {
    Tier.CURRENT: TierText(
        name=pgettext_lazy("tier", "Current"),
        dpd_range=_("0 days past due"),
        lender_actions=(_("Nothing: the account is in good standing."),),
        report_meaning=_("The month is recorded as N (normal) on the credit report."),
    ),
    Tier.LIGHT: TierText(
        name=pgettext_lazy("tier", "Light delinquency"),
        dpd_range=_("1–30 days past due"),
        lender_actions=(
            _("Reminders by app pop-up and SMS."),
            _("Calls from the lender's own collection team."),
            _("A short grace period is often granted when you show that you are willing to pay."),
        ),
        report_meaning=_(
            "If the lender reports to the PBOC credit system, the first monthly report "
            "that finds the account unpaid shows 1."
        ),
    ),
    Tier.MODERATE: TierText(
        name=pgettext_lazy("tier", "Moderate delinquency"),
        dpd_range=_("31–60 days past due"),
        lender_actions=(
            _("The lender assesses your ability and your willingness to pay."),
            _("The account may be handed to a third-party collection agency."),
            _("Your credit limit may be lowered or frozen."),
        ),
        report_meaning=_(
            "Typically the second monthly report in a row that finds it unpaid: 2 on the "
            "credit report."
        ),
    ),
    Tier.SEVERE: TierText(
        name=pgettext_lazy("tier", "Severe delinquency"),
        dpd_range=_("61 days or more past due"),
        lender_actions=(
            _("The lender may sue and ask the court to enforce against your property."),
            _("The lender reports you to the PBOC credit reference system, if it has not already."),
        ),
        report_meaning=_(
            "Typically 3 from the third monthly report in a row that finds it unpaid, then "
            "one more each month (4, 5, 6) up to 7."
        ),
    ),
}

REPORT_CODE_TEXT = {
    "N": _("normal"),
    "1": _("1 monthly report unpaid"),
    "2": _("2 monthly reports in a row unpaid"),
    "3": _("3 monthly reports in a row unpaid"),
    "4": _("4 monthly reports in a row unpaid"),
    "5": _("5 monthly reports in a row unpaid"),
    "6": _("6 monthly reports in a row unpaid"),
    "7": _("7 or more monthly reports in a row unpaid"),
    "C": _("settled"),
}

CARD_RISK_CLASS_TEXT = {
    "normal": _("normal"),
    "special_mention": _("special mention (关注), 1–90 days"),
    "substandard": _("substandard (次级), 91–120 days"),
    "doubtful": _("doubtful (可疑), 121–180 days"),
    "loss": _("loss (损失), over 180 days"),
}

STOPS_ESCALATION = (
    _("Pay the overdue minimum: the debt returns to current and stops escalating."),
    _(
        "Or reach a negotiated installment plan with the lender in writing: once it is "
        "agreed, collection stops as long as you keep the plan."
    ),
)

# Why negotiation works (the seed's factors).
NEGOTIATION_FACTORS = (
    _(
        "Ability and willingness: lenders treat a borrower who cannot pay but wants to "
        "very differently from one who refuses. Say clearly that you want to repay, and "
        "propose an amount you can keep paying."
    ),
    _(
        "Collection costs the lender money: a realistic installment plan is often "
        "cheaper for them than calls, agencies and courts."
    ),
    _(
        "Time to raise funds: asking for a short grace period or a plan gives you time "
        "without the debt sliding into a worse tier."
    ),
)

# Honesty and rights (docs/domain.md §6).
RIGHTS = (
    _(
        'Nobody can delete accurate records from your credit report. Paid "credit '
        'repair" (征信修复) services that promise deletion are a scam category that '
        "regulators warn about."
    ),
    _(
        "Negative information stays for 5 years from the day the overdue ends (when you "
        "clear it), then it is deleted (征信业管理条例 Art.16). You may add a statement "
        "to your report meanwhile."
    ),
    _(
        "If a record is wrong, you can dispute it (异议) with the credit reference center "
        "or the lender; they must check and reply in writing within 20 days (Art.25). A "
        "complaint to the local PBOC branch gets a written reply within 30 days (Art.26)."
    ),
    _("You can get two free credit reports a year (Art.17)."),
    _("A lender must tell you before it reports negative information (Art.15)."),
    _(
        "Collectors may not contact you between 22:00 and 08:00 without your consent, may "
        "make at most 3 connected calls a day, and must not pursue your family, friends "
        "or colleagues."
    ),
    _("Complaint lines: 12378 (NFRA, financial regulator) and 12363 (PBOC)."),
)

_COST_WARNING = _(
    "The yearly cost on this debt is above %(threshold)s. Licensed lenders are under "
    "regulatory caps, and for private lending, interest, penalties and fees together may "
    "not exceed 4 times the one-year LPR. If the charges look wrong, ask the lender for a "
    "breakdown and consider the complaint lines 12378 or 12363."
)


def cost_warning_text(threshold_percent: Decimal) -> str:
    """The warning for a debt whose effective yearly cost is above
    ``threshold_percent`` (percent per year, e.g. ``TierStatus.cost_threshold_percent``),
    in the active language and stating that threshold."""
    return _COST_WARNING % {"threshold": percent(threshold_percent)}
