"""The front door, sign-up and the language switch (and, with DEBUG, the mailbox)."""

from django.conf import settings
from django.urls import path

from borrowers.accounts import views as account_views

urlpatterns = [
    path("", account_views.home, name="home"),
    path("signup/", account_views.signup, name="signup"),
    path("check/", account_views.tier_check, name="tier_check"),
    path("language/", account_views.set_language, name="set_language"),
]

if settings.DEBUG:
    urlpatterns.append(path("dev/mail/", account_views.sent_mail, name="sent_mail"))
