"""The installable app: the web app manifest and the service worker, served from the site root.

The service worker must be served from "/" (or with a Service-Worker-Allowed header) for its scope
to cover /cabinet/ in every language prefix (/en/cabinet/, /uz/cabinet/...). It is a template so
that its cache names follow the deployed static files. What it caches and why is in its source,
templates/cabinet/sw.js.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

THEME_COLOR = "#0b4f9c"
BACKGROUND_COLOR = "#ffffff"
SHELL_STATIC = (
    "css/site.css",
    "cabinet/app.js",
    "cabinet/icons/icon.svg",
    "cabinet/icons/icon-192.png",
    "cabinet/icons/icon-512.png",
)
# Personal pages kept for offline reading: the status card (home) and the inbox.
OFFLINE_PAGES = ("cabinet:home", "cabinet:inbox")


def _language(request: HttpRequest) -> str:
    codes = {code for code, _name in settings.LANGUAGES}
    for candidate in (request.GET.get("lang"), request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)):
        if candidate in codes:
            return candidate
    return settings.LANGUAGE_CODE


@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    language = _language(request)
    with translation.override(language):
        data = {
            "id": "/cabinet/",
            "name": _("Migrant cabinet"),
            "short_name": _("Cabinet"),
            "description": _("Your legal status, deadlines, documents and messages."),
            "lang": language,
            "dir": "ltr",
            "start_url": reverse("cabinet:home"),
            "scope": "/",
            "display": "standalone",
            "orientation": "any",
            "theme_color": THEME_COLOR,
            "background_color": BACKGROUND_COLOR,
            "icons": [
                {"src": static("cabinet/icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
                {"src": static("cabinet/icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
                {
                    "src": static("cabinet/icons/icon-maskable-512.png"),
                    "sizes": "512x512",
                    "type": "image/png",
                    "purpose": "maskable",
                },
                {"src": static("cabinet/icons/icon.svg"), "sizes": "any", "type": "image/svg+xml"},
            ],
        }
    response = HttpResponse(json.dumps(data, ensure_ascii=False), content_type="application/manifest+json")
    response["Cache-Control"] = "public, max-age=3600"
    response["Vary"] = "Cookie"
    return response


@lru_cache(maxsize=1)
def _service_worker_source() -> str:
    shell = [static(path) for path in SHELL_STATIC]
    offline_pages = []
    personal = []
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            offline_pages.append(reverse("cabinet:offline"))
            personal += [reverse(name) for name in OFFLINE_PAGES]
    source = render_to_string(
        "cabinet/sw.js",
        {
            "shell_json": json.dumps(shell + offline_pages),
            "personal_json": json.dumps(sorted(set(personal))),
            "offline_json": json.dumps(
                dict(zip([code for code, _n in settings.LANGUAGES], offline_pages, strict=True))
            ),
            "static_prefix_json": json.dumps(static("")),
            "login_marker_json": json.dumps("/accounts/login/"),
        },
    )
    # A new version whenever the worker or the shell's static URLs (hashed in production) change.
    version = hashlib.sha256(source.encode()).hexdigest()[:12]
    return source.replace("__VERSION__", version)


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(_service_worker_source(), content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    # The browser checks for a new worker on navigation; never let an HTTP cache pin an old one.
    response["Cache-Control"] = "no-cache"
    return response
