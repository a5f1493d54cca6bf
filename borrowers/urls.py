"""The borrowers app's pages, feature by feature."""

from django.urls import include, path

urlpatterns = [
    path("", include("borrowers.accounts.urls")),
    path("", include("borrowers.debts.urls")),
    path("", include("borrowers.counselors.urls")),
    path("", include("borrowers.collection.urls")),
]
