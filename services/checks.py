"""System checks of the services app (ids services.E00x)."""

from __future__ import annotations

from django.core.checks import Error, Tags, register

from services.certificates import key_source_problem


@register(Tags.security, deploy=False)
def check_certificate_signing_key(app_configs, **kwargs):
    """Status certificates are signed: outside DEBUG the key must come from the environment."""
    problem = key_source_problem()
    if problem is None:
        return []
    return [
        Error(
            problem,
            hint="Generate one with `manage.py services_signing_key` and set CERTIFICATE_SIGNING_KEY to it.",
            id="services.E001",
        )
    ]
