"""Reminders: the list, the settings and unsubscribing."""

from django.urls import path

from repayment_plans.reminders import views as notification_views

urlpatterns = [
    path("notifications/", notification_views.notifications, name="notifications"),
    path(
        "notifications/settings/",
        notification_views.preferences,
        name="notification_preferences",
    ),
    path("unsubscribe/<str:token>/", notification_views.unsubscribe, name="unsubscribe"),
]
