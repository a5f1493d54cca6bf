from django.contrib import admin
from django.contrib.auth.views import LoginView, PasswordChangeView
from django.urls import include, path

from borrowers.accounts.forms import PasswordChangeForm
from borrowers.accounts.lockout import AdminLoginForm, LoginForm, PasswordResetConfirmView
from borrowers.accounts.throttle import PasswordResetView

# The admin login, too, refuses an over-long username before authenticating.
admin.site.login_form = AdminLoginForm

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/login/", LoginView.as_view(authentication_form=LoginForm), name="login"),
    # At most a few reset emails per address and per client an hour.
    path("accounts/password_reset/", PasswordResetView.as_view(), name="password_reset"),
    # A new password from the emailed link also ends a login lockout.
    path(
        "accounts/reset/<uidb64>/<token>/",
        PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password_change/",
        PasswordChangeView.as_view(form_class=PasswordChangeForm),
        name="password_change",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("repayment_plans.urls")),
    path("", include("borrowers.data_rights.urls")),
    path("", include("borrowers.urls")),
]
