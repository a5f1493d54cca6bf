from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("repayment_plans.calendar_urls")),
    path("", include("repayment_plans.urls")),
    path("", include("borrowers.urls")),
]
