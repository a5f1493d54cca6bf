"""Plain-language milestone texts (zh-Hans / en), with the kind of source:
"typical" for practice and the seed's experience, the article for the law."""

from django.utils.translation import gettext_lazy as _

from repayment_plans.recovery.timeline import MilestoneKind as K

TITLES = {
    K.SIX_ON_TIME: _("6 on-time months in a row"),
    K.CLEARED: _("Debt cleared"),
    K.SMALL_CREDIT: _("May qualify again for small credit"),
    K.SCORE_NORMAL: _("Lender scores back to normal"),
    K.WINDOW_CLEAR: _("Overdue months leave the 24-month window"),
    K.DELETED: _("The overdue record is deleted"),
    K.RELIEF: _("No longer shown on the credit report"),
}

EXPLANATIONS = {
    K.SIX_ON_TIME: _(
        "It takes at least 6 months of continuous good record before lenders see a "
        "difference. A missed installment starts the count again."
    ),
    K.CLEARED: _(
        "The overdue ends on this day. The account shows C (settled), and the 5-year "
        "clock of the credit report starts."
    ),
    K.SMALL_CREDIT: _(
        "Typically, six months after clearing, a small loan may be approved again, at a "
        "clearly lower limit than before."
    ),
    K.SCORE_NORMAL: _(
        "Typically, a year after clearing, lenders' scores are back to normal levels."
    ),
    K.WINDOW_CLEAR: _(
        "Banks look mostly at the last 24 months, and a common rule rejects 3 overdue "
        "months in a row or 6 in total. From here the overdue months are outside that window."
    ),
    K.DELETED: _(
        "Negative information is kept for 5 years from the day the overdue ends, then "
        "deleted (征信业管理条例 Art.16). Nobody can delete it earlier."
    ),
    K.RELIEF: _(
        "Under the PBOC notice of 2025-12-22, a single overdue of at most 10,000 yuan that "
        "arose between 2020 and 2025 and was repaid in full by 2026-03-31 is shown as normal."
    ),
}

TYPICAL = {K.SIX_ON_TIME, K.SMALL_CREDIT, K.SCORE_NORMAL, K.WINDOW_CLEAR}


def milestone_card(milestone, labels: dict[str, str] | None = None) -> dict:
    """What a page, the letter or a calendar shows for one milestone."""
    return {
        "milestone": milestone,
        "title": TITLES[milestone.kind],
        "text": EXPLANATIONS[milestone.kind],
        "typical": milestone.kind in TYPICAL,
        "label": (labels or {}).get(milestone.account) if milestone.account else None,
    }
