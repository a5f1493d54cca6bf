"""One lender's page: channels, the call script, the negotiation log."""

import re

from django.urls import path, register_converter
from django.urls.converters import get_converters

from repayment_plans.negotiation import script_views, views


class LenderConverter:
    """A lender's name as one path segment. Names may hold "/" (a debt's
    lender is free text): it travels as %2F, and "%" as %25, so that every
    name has a URL and comes back unchanged."""

    regex = "[^/]+"

    def to_python(self, value: str) -> str:
        return re.sub("%(2F|2f|25)", lambda m: "/" if m.group(1) in ("2F", "2f") else "%", value)

    def to_url(self, value: str) -> str:
        return str(value).replace("%", "%25").replace("/", "%2F")


if "lender" not in get_converters():  # a failed first import of this module may retry
    register_converter(LenderConverter, "lender")

urlpatterns = [
    path("lenders/<lender:lender>/", views.lender_detail, name="lender_detail"),
    path("lenders/<lender:lender>/script/", script_views.call_script, name="lender_script"),
    path("lenders/<lender:lender>/log/new/", views.contact_create, name="negotiation_create"),
    path("lenders/<lender:lender>/log/preview/", views.offer_preview, name="negotiation_preview"),
    path("negotiation/<int:pk>/edit/", views.contact_edit, name="negotiation_edit"),
    path("negotiation/<int:pk>/delete/", views.contact_delete, name="negotiation_delete"),
    path(
        "negotiation/attachments/<int:pk>/",
        views.attachment_download,
        name="negotiation_attachment",
    ),
    path(
        "negotiation/attachments/<int:pk>/delete/",
        views.attachment_delete,
        name="negotiation_attachment_delete",
    ),
    path(
        "counselor/borrowers/<int:pk>/lenders/<lender:lender>/",
        views.counselor_lender,
        name="counselor_lender",
    ),
    path(
        "counselor/borrowers/<int:pk>/negotiation/attachments/<int:attachment_pk>/",
        views.counselor_attachment_download,
        name="counselor_negotiation_attachment",
    ),
]
