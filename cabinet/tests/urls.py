"""The project's URLs, completed as .cabinet_wiring.txt asks, for tests run before the project's URLs are
wired that way (cabinet/tests/conftest.py switches to this module only then)."""

from django.conf.urls.i18n import i18n_patterns
from django.urls import NoReverseMatch, include, path, reverse

from cabinet import pwa
from migrant_platform import urls as project_urls


def _reverses(name: str) -> bool:
    try:
        reverse(name, urlconf=project_urls)
    except NoReverseMatch:
        return False
    return True


# allauth's pages belong inside i18n_patterns, so that /en/accounts/login/ is in English.
_project = [
    pattern for pattern in project_urls.urlpatterns if not str(getattr(pattern, "pattern", "")).startswith("accounts/")
]
urlpatterns = [
    *(
        []
        if _reverses("pwa_manifest")
        else [
            path("manifest.webmanifest", pwa.manifest, name="pwa_manifest"),
            path("sw.js", pwa.service_worker, name="pwa_service_worker"),
        ]
    ),
    *_project,
    *i18n_patterns(
        path("accounts/", include("allauth.urls")),
        *([] if _reverses("cabinet:home") else [path("cabinet/", include("cabinet.urls"))]),
        prefix_default_language=False,
    ),
]
