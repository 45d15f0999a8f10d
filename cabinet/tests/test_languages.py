"""Every cabinet page in the five languages, with its words translated (not the English fallback)."""

from __future__ import annotations

import pytest

from cabinet.tests.conftest import url

pytestmark = pytest.mark.django_db

# One known string per page and language, as the person reads it.
PAGES = {
    "cabinet:home": {
        "ru": "Что сделать дальше",
        "uz": "Keyin nima qilish kerak",
        "tg": "Минбаъд чӣ бояд кард",
        "ky": "Андан ары эмне кылуу керек",
        "en": "What to do next",
    },
    "cabinet:inbox": {
        "ru": "непрочитанных сообщений",
        "uz": "ta o‘qilmagan xabar",
        "tg": "паёми нохонда",
        "ky": "окула элек билдирүү",
        "en": "unread messages",
    },
    "cabinet:claim": {
        "ru": "Привязать профиль",
        "uz": "Profilni bog‘lash",
        "tg": "Пайваст кардани профил",
        "ky": "Профилди байлоо",
        "en": "Link your profile",
    },
    "cabinet:claim_verify": {
        "ru": "Если данные совпадают с нашими сведениями",
        "uz": "Agar ma’lumotlar bizdagi yozuvlarga mos kelsa",
        "tg": "Агар маълумот бо сабтҳои мо мувофиқат кунад",
        "ky": "Эгер маалыматтар биздеги жазууларга дал келсе",
        "en": "If the data match our records",
    },
    "cabinet:offline": {
        "ru": "Нет подключения к интернету",
        "uz": "Internetga ulanish yo‘q",
        "tg": "Пайвастшавӣ ба интернет нест",
        "ky": "Интернетке туташуу жок",
        "en": "You are offline",
    },
    "account_login": {
        "ru": "Перейти к основному содержанию",
        "uz": "Asosiy mazmunga o‘tish",
        "tg": "Гузариш ба мундариҷаи асосӣ",
        "ky": "Негизги мазмунга өтүү",
        "en": "Skip to main content",
    },
    "account_signup": {
        "ru": "Создать учётную запись",
        "uz": "Hisob yaratish",
        "tg": "Эҷоди ҳисоб",
        "ky": "Эсеп түзүү",
        "en": "Create an account",
    },
}
LANGUAGES = ("ru", "uz", "tg", "ky", "en")
CLAIMED = {"cabinet:home", "cabinet:inbox"}


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("name", sorted(PAGES))
def test_every_page_speaks_every_language(client, owner, account, name, lang, django_capture_on_commit_callbacks):
    if name in CLAIMED:
        client.force_login(owner)
    elif name.startswith("cabinet:claim"):
        client.force_login(account)
        if name == "cabinet:claim_verify":
            with django_capture_on_commit_callbacks(execute=True):
                client.post(url("cabinet:claim"), {"passport_number": "ZZ1234567", "birth_date": "1990-01-01"})

    response = client.get(url(name, lang=lang))

    assert response.status_code == 200
    page = response.content.decode()
    assert f'<html lang="{lang}">' in page
    assert PAGES[name][lang] in page


@pytest.mark.parametrize("lang", ("ru", "uz", "tg", "ky"))
def test_the_status_card_is_not_left_in_english(client, owner, lang):
    client.force_login(owner)

    page = client.get(url("cabinet:home", lang=lang)).content.decode()

    for english in ("What to do next", "Documents", "Permits", "Patent payments", "My status", "Messages"):
        assert f">{english}<" not in page
