from __future__ import annotations

import gettext

import pytest
from django.conf import settings
from django.core.checks import run_checks
from django.test import override_settings

from migrant_platform.management.commands.compile_translations import parse_po, write_mo

PO_SAMPLE = r"""
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\n"
"Plural-Forms: nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);\n"

msgid "Sign in"
msgstr "Войти"

#, fuzzy
msgid "Not reviewed yet"
msgstr "Ещё не проверено"

msgctxt "month"
msgid "May"
msgstr "Май"

msgid "%(n)s day"
msgid_plural "%(n)s days"
msgstr[0] "%(n)s день"
msgstr[1] "%(n)s дня"
msgstr[2] "%(n)s дней"

msgid "Long "
"text"
msgstr "Длинный "
"текст"
"""


def test_compiled_catalog_is_read_by_gettext(tmp_path):
    mo_path = tmp_path / "django.mo"
    write_mo(parse_po(PO_SAMPLE), mo_path)
    with mo_path.open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)

    assert catalog.gettext("Sign in") == "Войти"
    assert catalog.gettext("Long text") == "Длинный текст"
    assert catalog.pgettext("month", "May") == "Май"
    assert catalog.ngettext("%(n)s day", "%(n)s days", 5) == "%(n)s дней"
    assert catalog.ngettext("%(n)s day", "%(n)s days", 3) == "%(n)s дня"


def test_fuzzy_entries_are_not_compiled():
    assert "Not reviewed yet" not in parse_po(PO_SAMPLE)


def test_russian_is_the_default_then_uzbek_tajik_kyrgyz_english():
    assert settings.LANGUAGE_CODE == "ru"
    assert [code for code, _ in settings.LANGUAGES] == ["ru", "uz", "tg", "ky", "en"]
    assert "django.middleware.locale.LocaleMiddleware" in settings.MIDDLEWARE
    assert settings.USE_TZ is True


@pytest.mark.django_db
def test_home_page_speaks_the_chosen_language(client):
    assert "Миграционная платформа" in client.get("/").content.decode()
    assert "Migration platform" in client.get("/en/").content.decode()
    assert "Migratsiya platformasi" in client.get("/uz/").content.decode()


@pytest.mark.django_db
def test_health_endpoint_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_a_retry_not_longer_than_the_task_timeout_is_a_configuration_error():
    broken = {**settings.Q_CLUSTER, "timeout": 600, "retry": 600}
    with override_settings(Q_CLUSTER=broken):
        assert "platform.E001" in [message.id for message in run_checks()]


def test_the_shipped_task_queue_configuration_passes_its_checks():
    ids = [message.id for message in run_checks()]
    assert "platform.E001" not in ids and "platform.E002" not in ids
