from django.urls import path

from services import views

app_name = "services"

urlpatterns = [
    path("", views.catalog, name="catalog"),
    path("applications/", views.application_list, name="application_list"),
    path("applications/<uuid:application_id>/", views.application_detail, name="application_detail"),
    path("applications/<uuid:application_id>/withdraw/", views.application_withdraw_view, name="application_withdraw"),
    path("applications/<uuid:application_id>/respond/", views.application_respond_view, name="application_respond"),
    path(
        "applications/<uuid:application_id>/documents/<int:document_id>/",
        views.application_document,
        name="application_document",
    ),
    path("applications/<uuid:application_id>/certificate.pdf", views.certificate_pdf, name="certificate_pdf"),
    path("certificate/public-key", views.certificate_public_key, name="certificate_public_key"),
    path("certificate/verify", views.certificate_verify, name="certificate_verify"),
    path("<slug:code>/", views.service_form, name="service_form"),
    path("<slug:code>/draft/", views.draft_save, name="draft_save"),
    path("<slug:code>/mrz/", views.mrz_read, name="mrz_read"),
]
