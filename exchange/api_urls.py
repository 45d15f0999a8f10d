from django.urls import path

from exchange.api import RecordsIngestApi

urlpatterns = [
    path("records", RecordsIngestApi.as_view(), name="exchange_records_ingest"),
]
