from django.contrib import admin
from django.urls import include, path

from borrowers.lockout import PasswordResetConfirmView

urlpatterns = [
    path("admin/", admin.site.urls),
    # A new password from the emailed link also ends a login lockout.
    path(
        "accounts/reset/<uidb64>/<token>/",
        PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("repayment_plans.calendar_urls")),
    path("", include("repayment_plans.urls")),
    path("", include("borrowers.data_rights_urls")),
    path("", include("borrowers.urls")),
]
