"""My data: the borrower's copy of everything, and the deletion of the account."""

from django import forms
from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from borrowers.access import AuthenticatedHttpRequest
from borrowers.data_rights import sections as data_rights
from borrowers.inputs import NamedRequiredMixin

CONFIRM_PHRASE = gettext_lazy("DELETE")


def confirm_phrases() -> set[str]:
    """The phrase as each language shows it: the page may have been read in either."""
    phrases = set()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            phrases.add(str(CONFIRM_PHRASE).casefold())
    return phrases


class DeleteAccountForm(NamedRequiredMixin, forms.Form):
    password = forms.CharField(
        label=gettext_lazy("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    confirm = forms.CharField(
        label=gettext_lazy("Type the word shown above to confirm"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("This is not your password."))
        return password

    def clean_confirm(self):
        typed = self.cleaned_data["confirm"].strip().casefold()
        if typed not in confirm_phrases():
            raise forms.ValidationError(
                _("Type %(phrase)s exactly as shown.") % {"phrase": CONFIRM_PHRASE}
            )
        return typed


def _page(
    request: AuthenticatedHttpRequest, form: DeleteAccountForm | None = None, status: int = 200
) -> HttpResponse:
    user = request.user
    context = {
        "is_borrower": hasattr(user, "borrower"),
        "can_delete": data_rights.can_delete(user),
        "sections": data_rights.SECTIONS,
        "form": form or DeleteAccountForm(user=user),
        "phrase": CONFIRM_PHRASE,
        "backup_days": settings.BACKUP_RETENTION_DAYS,
    }
    return render(request, "borrowers/my_data.html", context, status=status)


@login_required
@require_GET
def my_data(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Rights under PIPL in plain words, the download, and the deletion form.

    Counselors and staff see the page too, saying their accounts are not handled here.
    """
    return _page(request)


def _borrower_only(request: AuthenticatedHttpRequest) -> None:
    if not hasattr(request.user, "borrower"):
        raise Http404


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def data_export(request: AuthenticatedHttpRequest) -> HttpResponse:
    _borrower_only(request)
    content = data_rights.export_zip(request.user)
    response = HttpResponse(content, content_type="application/zip")
    filename = data_rights.export_filename(timezone.localdate())
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def account_delete(request: AuthenticatedHttpRequest) -> HttpResponse:
    _borrower_only(request)
    if not data_rights.can_delete(request.user):
        raise Http404
    form = DeleteAccountForm(request.POST, user=request.user)
    if not form.is_valid():
        return _page(request, form, status=422)
    data_rights.delete_account(request.user)
    logout(request)
    return redirect("account_deleted")


@require_GET
def account_deleted(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "borrowers/account_deleted.html",
        {"backup_days": settings.BACKUP_RETENTION_DAYS},
    )
