from django.urls import path

from repayment_plans.reminders import calendar_views

urlpatterns = [
    path("calendar/", calendar_views.calendar_settings, name="calendar_settings"),
    path("calendar/download.ics", calendar_views.calendar_download, name="calendar_download"),
    path("calendar/feed/<str:token>.ics", calendar_views.calendar_feed, name="calendar_feed"),
]
