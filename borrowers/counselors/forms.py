"""The agency's forms: inviting a counselor, joining through the link, and
reassigning a borrower to another counselor of the agency."""

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from borrowers.inputs import NamedRequiredMixin, PlainTextMixin
from borrowers.models import AccessGrant, Borrower, Counselor, Transfer, User


class CounselorInviteForm(PlainTextMixin, forms.Form):
    """An agency admin invites a counselor by email."""

    email = forms.EmailField(label=_("Counselor's email address"), max_length=254)
    display_name = forms.CharField(label=_("Name shown to borrowers"), max_length=60)

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        user = User.objects.filter(email__iexact=email).first()
        if user is not None and hasattr(user, "counselor"):
            raise forms.ValidationError(_("This address already belongs to a counselor."))
        if user is not None and hasattr(user, "borrower"):
            raise forms.ValidationError(
                _("This address belongs to a borrower's account. Use a work address.")
            )
        return email

    def clean_display_name(self):
        name = self.cleaned_data["display_name"].strip()
        if not name:
            raise forms.ValidationError(_("Please fill in “%(field)s”.") % {"field": _("Name")})
        return name


class JoinForm(PlainTextMixin, forms.Form):
    """The invited counselor's page: a new account with a password, or, for an
    address that already has an account, that account's password."""

    display_name = forms.CharField(label=_("Name shown to borrowers"), max_length=60)
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters, not only digits."),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email
        self.existing = User.objects.filter(email__iexact=email).first()
        if self.existing is not None:
            del self.fields["password2"]
            field = self.fields["password1"]
            field.label = _("Your current password")
            field.help_text = _("This address already has an account: confirm it is yours.")
            field.widget.attrs["autocomplete"] = "current-password"
            field.error_messages["required"] = _("Please fill in “%(field)s”.") % {
                "field": field.label
            }

    def clean_display_name(self):
        name = self.cleaned_data["display_name"].strip()
        if not name:
            raise forms.ValidationError(
                _("Please fill in “%(field)s”.") % {"field": self.fields["display_name"].label}
            )
        return name

    def clean_password1(self):
        password = self.cleaned_data["password1"]
        if self.existing is not None and not self.existing.check_password(password):
            raise forms.ValidationError(_("This is not the password of this account."))
        return password

    def clean(self):
        cleaned = super().clean()
        if self.existing is not None:
            if hasattr(self.existing, "counselor") or hasattr(self.existing, "borrower"):
                raise forms.ValidationError(
                    _("This address already has a counselor's or borrower's profile.")
                )
            return cleaned
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            try:
                password_validation.validate_password(first, User(email=self.email))
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class TransferForm(NamedRequiredMixin, forms.Form):
    """An agency admin proposes that another counselor of the agency follow a
    borrower; the borrower decides."""

    borrower = forms.ModelChoiceField(label=_("Borrower"), queryset=Borrower.objects.none())
    to_counselor = forms.ModelChoiceField(
        label=_("New counselor"), queryset=Counselor.objects.none()
    )

    def __init__(self, *args, agency, **kwargs):
        super().__init__(*args, **kwargs)
        self.agency = agency
        self.fields["borrower"].queryset = agency_borrowers(agency).order_by("display_name", "pk")
        self.fields["borrower"].label_from_instance = lambda b: b.display_name
        self.fields["to_counselor"].queryset = (
            Counselor.objects.active().filter(agency=agency).order_by("display_name", "pk")
        )
        self.fields["to_counselor"].label_from_instance = lambda c: c.display_name

    def clean(self):
        cleaned = super().clean()
        borrower, to = cleaned.get("borrower"), cleaned.get("to_counselor")
        if borrower is None or to is None:
            return cleaned
        grants = AccessGrant.objects.active().filter(
            borrower=borrower, counselor__agency=self.agency
        )
        if grants.filter(counselor=to).exists():
            self.add_error("to_counselor", _("This counselor already follows this borrower."))
            return cleaned
        if Transfer.objects.filter(borrower=borrower, status=Transfer.Status.PENDING).exists():
            self.add_error(
                "borrower", _("A transfer of this borrower is already waiting for their answer.")
            )
            return cleaned
        self.grant = grants.select_related("counselor").order_by("-granted_at", "-pk").first()
        return cleaned


def agency_borrowers(agency):
    """Borrowers with an active grant to a counselor of the agency: the only
    ones its admin may move (never named to anyone else)."""
    return Borrower.objects.filter(
        pk__in=AccessGrant.objects.active().filter(counselor__agency=agency).values("borrower_id")
    )
