from django.urls import path

from legal import views

app_name = "legal"

urlpatterns = [
    path("stay-calculator/", views.stay_calculator, name="stay_calculator"),
]
