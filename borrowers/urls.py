from django.conf import settings
from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("signup/", views.signup, name="signup"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("budget/", views.budget, name="budget"),
    path("debts/new/", views.debt_create, name="debt_create"),
    path("debts/preview/", views.debt_preview, name="debt_preview"),
    path("debts/<int:pk>/", views.debt_detail, name="debt_detail"),
    path("debts/<int:pk>/edit/", views.debt_edit, name="debt_edit"),
    path("debts/<int:pk>/delete/", views.debt_delete, name="debt_delete"),
    path("counselor/", views.counselor_home, name="counselor_home"),
    path("language/", views.set_language, name="set_language"),
]

if settings.DEBUG:
    urlpatterns.append(path("dev/mail/", views.sent_mail, name="sent_mail"))
