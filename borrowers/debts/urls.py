"""The overview, the budget and the debts."""

from django.urls import path

from borrowers.debts import views as debt_views

urlpatterns = [
    path("dashboard/", debt_views.dashboard, name="dashboard"),
    path("budget/", debt_views.budget, name="budget"),
    path("debts/new/", debt_views.debt_create, name="debt_create"),
    path("debts/preview/", debt_views.debt_preview, name="debt_preview"),
    path("debts/<int:pk>/", debt_views.debt_detail, name="debt_detail"),
    path("debts/<int:pk>/edit/", debt_views.debt_edit, name="debt_edit"),
    path("debts/<int:pk>/delete/", debt_views.debt_delete, name="debt_delete"),
]
