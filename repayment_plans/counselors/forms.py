"""The counselor's review of a proposal: approve, or request changes with a
comment anchored to a part of the proposal."""

from django import forms
from django.utils.translation import gettext_lazy as _

from borrowers.inputs import BLANK_CHOICE_LABEL, PlainTextMixin
from repayment_plans.models import Proposal, ReviewSection

APPROVE, CHANGES = "approve", "changes"
DECISIONS = [(APPROVE, _("Approve")), (CHANGES, _("Request changes"))]
# The proposal's status after each decision.
DECISION_STATUS = {APPROVE: Proposal.Status.APPROVED, CHANGES: Proposal.Status.CHANGES_REQUESTED}


class ReviewForm(PlainTextMixin, forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=DECISIONS, widget=forms.RadioSelect)
    section = forms.ChoiceField(
        label=_("The change is about"),
        choices=[("", _(BLANK_CHOICE_LABEL)), *ReviewSection.choices],
        required=False,
    )
    comment = forms.CharField(
        label=_("Comment"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The borrower sees it next to that part of the proposal."),
    )

    def clean_comment(self):
        return self.cleaned_data["comment"].strip()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") != CHANGES:
            return cleaned
        if not cleaned.get("section"):
            self.add_error("section", _("Choose the part of the proposal to change."))
        if "comment" in cleaned and not cleaned["comment"]:
            self.add_error("comment", _("Say what to change."))
        return cleaned
