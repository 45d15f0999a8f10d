"""Public pages of the legal app."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from legal.forms import StayCalculatorForm, stay_formset, stay_history_from_forms
from legal.selectors import RuleNotInForce, stay_calculation_get
from legal.stay import STAY_ERROR_MESSAGES


@require_http_methods(["GET", "POST"])
def stay_calculator(request: HttpRequest) -> HttpResponse:
    """The stay calculator: no login; POST so that travel dates stay out of addresses and logs."""
    calculation = None
    if request.method == "POST":
        form = StayCalculatorForm(request.POST)
        formset = stay_formset(request.POST, add_row="add_row" in request.POST)
        if "add_row" not in request.POST and (history := stay_history_from_forms(form=form, formset=formset)):
            try:
                calculation = stay_calculation_get(stays=history[0], on=history[1])
            except RuleNotInForce:
                form.add_error("on", STAY_ERROR_MESSAGES["no_rule"])
    else:
        form = StayCalculatorForm(initial={"on": timezone.localdate()})
        formset = stay_formset()
    return render(request, "legal/stay_calculator.html", {"form": form, "formset": formset, "calculation": calculation})
