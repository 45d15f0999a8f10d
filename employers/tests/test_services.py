from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from employers.models import Organization
from employers.services import organization_create, organization_update
from reference.models import Region

pytestmark = pytest.mark.django_db


@pytest.fixture
def moscow() -> Region:
    return Region.objects.get(code="77")


def test_an_organization_with_valid_numbers_is_created(moscow):
    bank = organization_create(
        kind="legal_entity", name=" PAO Sberbank ", inn="7707083893", ogrn="1027700132195", region=moscow
    )

    assert (bank.name, bank.inn) == ("PAO Sberbank", "7707083893")


def test_a_mistyped_inn_is_reported_on_the_inn_field(moscow):
    with pytest.raises(ValidationError) as caught:
        organization_create(kind="legal_entity", name="PAO", inn="7707083894", region=moscow)

    assert caught.value.message_dict["inn"] == ["INN 7707083894 fails its check digit: it was probably mistyped."]
    assert not Organization.objects.exists()


def test_a_mistyped_ogrn_is_reported_on_the_ogrn_field(moscow):
    with pytest.raises(ValidationError) as caught:
        organization_create(kind="legal_entity", name="PAO", inn="7707083893", ogrn="1027700132194", region=moscow)

    assert caught.value.message_dict["ogrn"] == ["OGRN 1027700132194 fails its check digit: it was probably mistyped."]


def test_an_entrepreneur_needs_a_12_digit_inn(moscow):
    with pytest.raises(ValidationError) as caught:
        organization_create(kind="entrepreneur", name="IP Ivanov", inn="7707083893", region=moscow)

    assert "INN must have 10 digits for a legal entity and 12 otherwise." in caught.value.messages


def test_an_inn_is_registered_once(moscow):
    organization_create(kind="legal_entity", name="PAO Sberbank", inn="7707083893", region=moscow)

    with pytest.raises(ValidationError) as caught:
        organization_create(kind="legal_entity", name="Copy", inn="7707083893", region=moscow)

    assert "inn" in caught.value.message_dict


def test_an_update_is_validated_like_a_creation(moscow):
    bank = organization_create(kind="legal_entity", name="PAO Sberbank", inn="7707083893", region=moscow)

    with pytest.raises(ValidationError):
        organization_update(organization=bank, changes={"ogrn": "1027700132194"})
    organization_update(organization=bank, changes={"ogrn": "1027700132195"})

    bank.refresh_from_db()
    assert bank.ogrn == "1027700132195"
