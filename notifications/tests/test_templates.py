"""Templates: only declared variables, a small safe syntax, language and variant fallback."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from notifications.models import NotificationTemplate
from notifications.registry import KINDS
from notifications.rendering import TemplateBook, language_order, render_notification, variant_order
from notifications.services import notification_template_save
from notifications.templating import template_problems, template_variables
from notifications.tests.conftest import person_with

pytestmark = pytest.mark.django_db


def test_a_template_with_an_unknown_variable_cannot_be_saved():
    template = NotificationTemplate(
        kind="deadline.reminder",
        language="ru",
        subject="Срок {{ due_on }}",
        body="Оплатите {{ amount_due }} до {{ due_on }}",
    )
    with pytest.raises(ValidationError) as error:
        notification_template_save(template=template)
    assert "unknown variable(s): amount_due" in str(error.value.message_dict["body"])
    assert template.pk is None


def test_variables_hidden_in_conditions_and_filter_arguments_are_found():
    names, problems = template_variables("{% if days_left == '1' or secret.x %}{{ due_on|default:other }}{% endif %}")
    assert names == {"days_left", "secret.x", "due_on", "other"} and problems == []


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("{% load static %}", "template syntax"),  # no tag library is registered
        ("{% include 'x.html' %}", "tag “include” is not allowed"),
        ("{% for x in due_on %}{% endfor %}", "tag “for” is not allowed"),
        ("{{ due_on|safe }}", "filter “safe” is not allowed"),
        ("{{ due_on", "template syntax"),
        ("{{ person.user.password }}", "unknown variable(s): person.user.password"),
    ],
)
def test_it_refuses_what_a_message_does_not_need(text, problem):
    problems = template_problems(text, allowed=KINDS["deadline.reminder"].allowed_variables)
    assert any(problem in message for message in problems), problems


def test_every_shipped_template_is_valid():
    templates = list(NotificationTemplate.objects.all())
    assert len(templates) >= 30
    for template in templates:
        template.full_clean()


def test_every_kind_but_broadcast_has_russian_and_english_texts():
    shipped = set(NotificationTemplate.objects.filter(variant="").values_list("kind", "language"))
    for kind in KINDS:
        if kind != "broadcast":
            assert {(kind, "ru"), (kind, "en")} <= shipped


def test_language_falls_back_to_russian_then_english():
    assert language_order("tg") == ["tg", "ru", "en"]
    assert language_order("ru") == ["ru", "en"]
    assert variant_order("doc.expiry.passport") == ["doc.expiry.passport", "doc.expiry", ""]


def render_for(person, *, kind="deadline.reminder", rule_key="patent.pay", context=None):
    return render_notification(
        book=TemplateBook(kinds=[kind]),
        kind_key=kind,
        rule_key=rule_key,
        channel="sms",
        person=person,
        context=context or {},
        due_on=dt.date(2026, 3, 9),
        broadcast_id=None,
        local_today=dt.date(2026, 3, 2),
    )


def test_a_tajik_reader_gets_tajik_then_russian_when_no_tajik_text_exists():
    person = person_with(language="tg", cyrillic_surname="Раҳимов", cyrillic_given_names="Фарҳод")
    tajik = render_for(person)
    assert tajik.language == "tg" and tajik.body.startswith(
        "Фарҳод Раҳимов, давраи пардохтшудаи патенти шумо 09.03.2026"
    )

    NotificationTemplate.objects.filter(language="tg", variant="patent.pay").delete()
    generic_tajik = render_for(person)
    assert generic_tajik.language == "tg" and generic_tajik.subject == "Ёддошт дар бораи мӯҳлат: 09.03.2026"

    NotificationTemplate.objects.filter(language="tg").delete()
    assert render_for(person).language == "ru"
    NotificationTemplate.objects.filter(language="ru").delete()
    assert render_for(person).language == "en"


def test_an_sms_specific_text_wins_over_the_any_channel_one():
    person = person_with(language="ru")
    notification_template_save(
        template=NotificationTemplate(
            kind="deadline.reminder", variant="patent.pay", language="ru", channel="sms", body="Патент: до {{ due_on }}"
        )
    )
    assert render_for(person).body == "Патент: до 09.03.2026"


def test_the_decision_text_reads_its_context():
    person = person_with(language="en", latin_given_names="ALI", latin_surname="VALIEV")
    text = render_for(
        person,
        kind="application.decision",
        rule_key="",
        context={"application_number": "A-1", "service_name": "Patent", "decision": "refused",
                 "decided_on": "2026-02-10", "reason": "incomplete file"},
    )  # fmt: skip
    assert text.body == (
        "Ali Valiev, on 10.02.2026 your application A-1 (Patent) was refused. Reason: incomplete file. "
        "Details are in your personal account."
    )
