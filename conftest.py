"""Project-wide pytest fixtures: the permission personas and query-count helpers."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: rows of one test's database may reuse another's ids."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def officer(django_user_model):
    """A ministry officer: staff, in the officers group created by the migrations."""
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user(
        username="officer", email="officer@example.org", password="officer-pass-123", is_staff=True
    )
    user.groups.add(Group.objects.get(name="Migration officers"))
    return user


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser(
        username="root", email="root@example.org", password="root-pass-123"
    )
