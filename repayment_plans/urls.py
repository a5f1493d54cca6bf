from django.urls import path

from . import notification_views, timeline_views, views

urlpatterns = [
    path("plan/", views.plan_overview, name="plan_overview"),
    path("timeline/", timeline_views.timeline, name="timeline"),
    path("notifications/", notification_views.notifications, name="notifications"),
    path(
        "notifications/settings/",
        notification_views.preferences,
        name="notification_preferences",
    ),
    path("unsubscribe/<str:token>/", notification_views.unsubscribe, name="unsubscribe"),
    path("plan/adopt/", views.adopt_strategy, name="adopt_strategy"),
    path("proposals/<int:pk>/", views.proposal_detail, name="proposal_detail"),
    path("proposals/<int:pk>/preview/", views.proposal_preview, name="proposal_preview"),
    path("proposals/<int:pk>/letter/", views.letter_preview, name="letter_preview"),
    path("proposals/<int:pk>/finalise/", views.proposal_finalise, name="proposal_finalise"),
    path(
        "proposals/<int:pk>/versions/<int:number>.pdf",
        views.version_download,
        name="version_download",
    ),
    path("proposals/<int:pk>/send/", views.proposal_send, name="proposal_send"),
    path("proposals/<int:pk>/answer/", views.proposal_answer, name="proposal_answer"),
    path("proposals/<int:pk>/review/", views.request_review, name="request_review"),
    path("deliveries/<int:pk>/resend/", views.delivery_resend, name="delivery_resend"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/payments/", views.payment_create, name="payment_create"),
]
