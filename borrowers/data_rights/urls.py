from django.urls import path

from borrowers.data_rights import views as data_rights_views

urlpatterns = [
    path("my-data/", data_rights_views.my_data, name="my_data"),
    path("my-data/export/", data_rights_views.data_export, name="data_export"),
    path("my-data/delete/", data_rights_views.account_delete, name="account_delete"),
    path("account-deleted/", data_rights_views.account_deleted, name="account_deleted"),
]
