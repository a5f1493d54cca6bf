"""What the pages, reminders and caseload call the deadlines' actions and states."""

from django.utils.translation import gettext_lazy as _

from repayment_plans.legal.deadlines import Action, Urgency

ACTION_LABELS = {
    Action.OBJECT: _("object in writing to the payment order"),
    Action.DEFEND: _("hand in your defence"),
    Action.APPEAL: _("appeal"),
    Action.SET_ASIDE: _("apply to set the award aside"),
}

URGENCY_LABELS = {
    Urgency.DONE: _("Done"),
    Urgency.PASSED: _("Deadline passed"),
    Urgency.TODAY: _("Last day today"),
    Urgency.SOON: _("Within a week"),
    Urgency.LATER: _("Open"),
}
