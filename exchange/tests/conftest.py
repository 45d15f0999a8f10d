from __future__ import annotations

import pytest


@pytest.fixture
def importer(django_user_model):
    """An agency integration account: may post records, nothing else."""
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user(username="border-feed", password="feed-pass-12345")
    user.user_permissions.add(Permission.objects.get(codename="add_importbatch", content_type__app_label="exchange"))
    return user
