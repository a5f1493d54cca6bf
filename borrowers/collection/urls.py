"""The collection-contact log and the complaint."""

from django.urls import path

from borrowers.collection import views as collection_views

urlpatterns = [
    path("collection/", collection_views.collection_log, name="collection_log"),
    path("collection/new/", collection_views.contact_create, name="collection_contact_create"),
    path(
        "collection/<int:pk>/edit/",
        collection_views.contact_edit,
        name="collection_contact_edit",
    ),
    path(
        "collection/<int:pk>/delete/",
        collection_views.contact_delete,
        name="collection_contact_delete",
    ),
    path("collection/complaint/", collection_views.complaint, name="collection_complaint"),
    path(
        "collection/complaint.pdf",
        collection_views.complaint_pdf,
        name="collection_complaint_pdf",
    ),
    path(
        "collection/complaint.txt",
        collection_views.complaint_text,
        name="collection_complaint_txt",
    ),
    path(
        "counselor/borrowers/<int:pk>/collection/",
        collection_views.counselor_collection_log,
        name="counselor_collection_log",
    ),
]
