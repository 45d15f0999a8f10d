"""The installable app: manifest and service worker, served from the root with the right headers."""

from __future__ import annotations

import json

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from cabinet.tests.conftest import url

pytestmark = pytest.mark.django_db


def test_the_manifest_is_served_as_a_web_app_manifest(client):
    response = client.get(reverse("pwa_manifest"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["start_url"] == "/cabinet/"
    assert manifest["display"] == "standalone"
    assert manifest["theme_color"] == "#0b4f9c"
    assert manifest["name"] and manifest["short_name"]
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes


def test_every_manifest_icon_exists():
    from cabinet.pwa import SHELL_STATIC

    for path in (*SHELL_STATIC, "cabinet/icons/icon-maskable-512.png"):
        assert finders.find(path), path


def test_the_manifest_follows_the_page_language(client):
    manifest = json.loads(client.get(reverse("pwa_manifest"), {"lang": "en"}).content)

    assert manifest["lang"] == "en"
    assert manifest["start_url"] == "/en/cabinet/"
    assert manifest["name"] == "Migrant cabinet"


def test_the_service_worker_is_served_from_the_root_with_the_whole_site_as_scope(client):
    response = client.get(reverse("pwa_service_worker"))

    assert reverse("pwa_service_worker") == "/sw.js"
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert response["Cache-Control"] == "no-cache"


def test_the_service_worker_keeps_the_status_card_and_inbox_and_never_posts(client):
    source = client.get(reverse("pwa_service_worker")).content.decode()

    for lang in ("ru", "en", "uz", "tg", "ky"):
        assert f'"{url("cabinet:home", lang=lang)}"' in source
        assert f'"{url("cabinet:inbox", lang=lang)}"' in source
        assert f'"{url("cabinet:offline", lang=lang)}"' in source
    assert 'request.method !== "GET"' in source
    assert "clear-personal" in source
    assert "__VERSION__" not in source


def test_pages_link_the_manifest_and_register_the_worker(client):
    page = client.get(url("account_login")).content.decode()

    assert 'rel="manifest" href="/manifest.webmanifest?lang=ru"' in page
    assert 'data-sw="/sw.js"' in page


def test_the_offline_page_is_public_and_says_nothing_about_the_user(client, owner):
    anonymous = client.get(url("cabinet:offline"))
    assert anonymous.status_code == 200
    assert 'data-offline="1"' in anonymous.content.decode()


def test_signing_out_marks_the_form_so_that_saved_pages_are_deleted(client, owner):
    client.force_login(owner)

    page = client.get(url("cabinet:home")).content.decode()

    assert "data-logout" in page
    assert 'data-user=""' not in page
