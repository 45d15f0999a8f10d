"""The public stay calculator page and the staff admin of rules and the calendar."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext as _

from legal.models import RuleVersion

pytestmark = pytest.mark.django_db
PAGE = "/en/stay-calculator/"  # English: the strings asserted are the untranslated ones


def form_data(on: str, *stays: tuple[str, str], **extra: str) -> dict:
    data = {"on": on, "stays-TOTAL_FORMS": str(len(stays)), "stays-INITIAL_FORMS": "0", **extra}
    for index, (entry, exit_) in enumerate(stays):
        data[f"stays-{index}-entry"] = entry
        data[f"stays-{index}-exit"] = exit_
    return data


def test_the_page_opens_without_login_in_every_language_prefix():
    for url in ("/stay-calculator/", "/uz/stay-calculator/", PAGE):
        response = Client().get(url)
        assert response.status_code == 200, url
    content = response.content.decode()
    assert "indicative" in content and "patent" in content
    assert '<label for="id_stays-0-entry"' in content


def test_the_page_shows_the_result_and_the_rule_applied(django_assert_max_num_queries):
    client = Client(enforce_csrf_checks=False)
    with django_assert_max_num_queries(1):
        response = client.post(PAGE, form_data("2025-12-01", ("2025-11-15", ""), ("", "")))
    assert response.status_code == 200
    result = response.context["calculation"].result
    assert (result.days_used, result.days_remaining, result.latest_exit) == (17, 74, datetime.date(2026, 2, 12))
    assert "12.02.2026" in response.content.decode()
    assert "115-ФЗ ст. 5 п. 1" in response.content.decode()


def test_the_page_shows_field_errors_from_the_same_checks_as_the_api():
    response = Client().post(PAGE, form_data("2025-06-01", ("2025-03-10", "2025-03-01")))
    assert response.context["calculation"] is None
    assert response.context["formset"].forms[0].errors["exit"] == ["The exit is before the entry."]


def test_adding_a_row_keeps_the_entered_stays():
    response = Client().post(PAGE, form_data("2025-06-01", ("2025-03-01", "2025-03-30"), add_row="1"))
    formset = response.context["formset"]
    assert formset.total_form_count() == 2
    assert 'value="2025-03-01"' in response.content.decode()
    assert response.context["calculation"] is None


def test_staff_see_which_rules_need_legal_confirmation(superuser, django_assert_max_num_queries):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(superuser)
    with django_assert_max_num_queries(10):
        response = client.get("/admin/legal/rule/")
    content = response.content.decode()
    assert response.status_code == 200
    # The admin has no language prefix, so it speaks the default language (Russian).
    with translation.override(settings.LANGUAGE_CODE):
        badge = str(_("Needs legal confirmation"))
    assert badge in content and "stay.visa_free" in content
    version = RuleVersion.objects.get(rule__key="stay.visa_free", valid_to__isnull=True)
    assert client.get(f"/admin/legal/rule/{version.rule_id}/change/").status_code == 200
    assert client.get(f"/admin/legal/ruleversion/{version.pk}/change/").status_code == 200
    assert client.get(f"/admin/legal/ruleversion/add/?rule={version.rule_id}").status_code == 200
    assert client.get("/admin/legal/calendaryear/2027/change/").status_code == 200


def test_the_admin_refuses_an_overlapping_version(superuser):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(superuser)
    current = RuleVersion.objects.get(rule__key="stay.visa_free", valid_to__isnull=True)
    data = {
        "rule": current.rule_id, "valid_from": "2025-06-01", "valid_to": "2025-07-01", "summary": "—",
        "citation": "—", "note": "", "anchor": "entry", "offset_amount": "", "offset_unit": "",
        "citizenship_group": "any", "citizenships": "[]", "applies_to_status": "any", "limit_days": "",
        "window": "", "continuous_limit_days": "", "extra": "{}",
    }  # fmt: skip
    response = client.post("/admin/legal/ruleversion/add/", data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["valid_from"]
    assert RuleVersion.objects.filter(rule=current.rule).count() == 2
    data.update(valid_from="2019-01-01", valid_to="2019-12-31")
    assert client.post("/admin/legal/ruleversion/add/", data).status_code == 302
    assert RuleVersion.objects.filter(rule=current.rule).count() == 3
