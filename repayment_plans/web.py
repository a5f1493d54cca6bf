"""What the pages of this app share: the user's own proposal or plan, and form keys."""

import uuid

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import translation

from borrowers.access import AuthenticatedHttpRequest
from repayment_plans.models import Plan, Proposal


def get_proposal_for_user(request: AuthenticatedHttpRequest, pk: int) -> Proposal:
    return get_object_or_404(
        Proposal.objects.for_user(request.user).select_related("borrower__user"), pk=pk
    )


def get_plan_for_user(request: AuthenticatedHttpRequest, pk: int) -> Plan:
    return get_object_or_404(
        Plan.objects.for_user(request.user).select_related("proposal__borrower__user"), pk=pk
    )


def new_form_key() -> str:
    """A key for one rendering of a form that moves money or sends mail: the
    same submission twice (a double click, a resent request) has one effect."""
    return uuid.uuid4().hex


def form_key_from(request: HttpRequest) -> str:
    key = request.POST.get("form_key", "")
    return key if key.replace("-", "").isalnum() else ""


def letter_language() -> str:
    return translation.get_language() or "zh-hans"
