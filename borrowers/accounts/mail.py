"""Emails about the account itself: the sign-up welcome, the notice to an
address that already has an account, the password reset link, and an
agency's invitation of a counselor (only the invite's id in the broker).

They are sent by a Celery worker after the request's transaction commits, so
the page answers in the same time whether the address has an account or not
(an SMTP exchange in the request would tell who uses the app). Only the kind
and the user's id travel through the broker; the worker renders the message,
and makes the reset token, in the account's language.
"""

import logging
from urllib.parse import urlsplit

from celery import shared_task
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from borrowers.models import CounselorInvite, User

log = logging.getLogger(__name__)

TEMPLATES = {
    "welcome": ("registration/signup_welcome_subject.txt", "registration/signup_welcome_email.txt"),
    "taken": ("registration/signup_taken_subject.txt", "registration/signup_taken_email.txt"),
    "password_reset": (
        "registration/password_reset_subject.txt",
        "registration/password_reset_email.html",
    ),
}


def _context(kind: str, user: User) -> dict:
    site = urlsplit(settings.SITE_URL)
    context = {
        "user": user,
        "login_url": settings.SITE_URL + reverse("login") + "?next=" + reverse("dashboard"),
        "reset_url": settings.SITE_URL + reverse("password_reset"),
        "protocol": site.scheme,
        "domain": site.netloc,
    }
    if kind == "password_reset":
        context["uid"] = urlsafe_base64_encode(force_bytes(user.pk))
        context["token"] = default_token_generator.make_token(user)
    return context


def account_email(kind: str, user: User) -> EmailMessage:
    """The message, in the account's language whatever the visitor's."""
    subject_template, body_template = TEMPLATES[kind]
    context = _context(kind, user)
    with translation.override(user.language or settings.LANGUAGE_CODE):
        subject = render_to_string(subject_template, context)
        body = render_to_string(body_template, context)
    return EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
    )


@shared_task(
    acks_late=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=4,
)
def send_account_email(kind: str, user_id: int) -> bool:
    """Send one account email; False when the account is gone meanwhile."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return False
    account_email(kind, user).send()
    return True


def queue_account_email(kind: str, user: User) -> None:
    """Send after the commit, in the background. A broker that is down is
    logged; the page does not depend on it (as Django's password reset)."""
    if kind not in TEMPLATES:
        raise ValueError(kind)

    def enqueue():
        try:
            send_account_email.delay(kind, user.pk)
        except Exception:  # noqa: BLE001 - the visitor's page must not fail
            log.exception("Could not queue the %s email for user %s", kind, user.pk)

    transaction.on_commit(enqueue)


COUNSELOR_INVITE = (
    "registration/counselor_invite_subject.txt",
    "registration/counselor_invite_email.txt",
)


def counselor_invite_email(invite: CounselorInvite) -> EmailMessage:
    """The invitation, in the inviting admin's language (the address may have no account)."""
    context = {
        "invite": invite,
        "join_url": settings.SITE_URL + reverse("counselor_join", args=[invite.token]),
    }
    with translation.override(invite.invited_by.user.language or settings.LANGUAGE_CODE):
        subject = render_to_string(COUNSELOR_INVITE[0], context)
        body = render_to_string(COUNSELOR_INVITE[1], context)
    return EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[invite.email],
    )


@shared_task(
    acks_late=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=4,
)
def send_counselor_invite(invite_id: int) -> bool:
    """Send one invitation; False when it was used, withdrawn or expired meanwhile."""
    invite = (
        CounselorInvite.objects.select_related("agency", "invited_by__user")
        .filter(pk=invite_id, used_at__isnull=True)
        .first()
    )
    if invite is None:
        return False
    counselor_invite_email(invite).send()
    return True


def queue_counselor_invite(invite: CounselorInvite) -> None:
    """Send after the commit, in the background (as the account emails)."""

    def enqueue():
        try:
            send_counselor_invite.delay(invite.pk)
        except Exception:  # noqa: BLE001 - the admin's page must not fail
            log.exception("Could not queue the counselor invite %s", invite.pk)

    transaction.on_commit(enqueue)
