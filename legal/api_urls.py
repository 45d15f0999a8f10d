from django.urls import re_path

from legal import api

app_name = "legal_api"

urlpatterns = [
    # With or without the trailing slash: APPEND_SLASH cannot redirect a POST.
    re_path(r"^stay-calculator/?$", api.StayCalculatorApi.as_view(), name="stay_calculator"),
]
