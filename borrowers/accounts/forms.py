"""The sign-up form, and Django's password forms with named required fields."""

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from borrowers.inputs import NamedRequiredMixin, PlainTextMixin
from borrowers.models import (
    User,
)


class SignUpForm(PlainTextMixin, UserCreationForm):
    """A new account. An address that already has one makes the form invalid
    (no account can be made with it) with the error code "taken", which is never
    shown: whether someone uses a debt-help app is not for any visitor to learn.
    views.signup answers as for a new account and emails the owner instead
    (borrowers.accounts.mail, the "taken" notice)."""

    display_name = forms.CharField(label=_("Your name"), max_length=60)

    class Meta:
        model = User
        fields = ("email",)

    taken_user: User | None = None

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        self.taken_user = User.objects.filter(email__iexact=email).first()
        if self.taken_user is not None:
            raise ValidationError(_("An account with this email already exists."), code="taken")
        return email

    def validate_unique(self):
        """The model's own unique check on the email would say it again: clean_email did."""
        exclude = self._get_validation_exclusions() | {"email"}
        try:
            self.instance.validate_unique(exclude=exclude)
        except ValidationError as error:
            self._update_errors(error)

    @property
    def only_taken(self) -> bool:
        """Valid but for an address that already has an account."""
        errors = self.errors.as_data()
        return list(errors) == ["email"] and all(e.code == "taken" for e in errors["email"])

    def hide_taken(self):
        """Drop the "taken" error, so that the page looks as for a new address."""
        errors = self.errors.get("email")
        if errors is None:
            return
        kept = [e for e in errors.as_data() if e.code != "taken"]
        if kept:
            self._errors["email"] = self.error_class(kept, renderer=self.renderer)
        else:
            del self._errors["email"]
        self.focus_first_error()

    def spend_hashing_time(self):
        """Hash the password as a new account would: the answer for a taken address
        must not come noticeably sooner."""
        make_password(self.data.get("password1") or "")


class SetPasswordForm(NamedRequiredMixin, auth_forms.SetPasswordForm):
    """A new password from the emailed reset link."""


class PasswordChangeForm(NamedRequiredMixin, auth_forms.PasswordChangeForm):
    """A new password, with the old one."""
