"""The reference data shipped by migration 0002, as the rest of the platform relies on it."""

from __future__ import annotations

from datetime import datetime, timedelta
from importlib import import_module
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.urls import reverse

from reference.models import Country, FederalDistrict, Region, SourceSystem

# Mid-winter and mid-summer: Russia has had no DST since 26.10.2014, so both must agree.
WINTER = datetime(2026, 1, 15, 12, 0)
SUMMER = datetime(2026, 7, 15, 12, 0)


def utc_offset_hours(zone: str, when: datetime = WINTER) -> float:
    offset = when.replace(tzinfo=ZoneInfo(zone)).utcoffset()
    assert offset is not None
    return offset / timedelta(hours=1)


@pytest.mark.django_db
class TestRegions:
    def test_all_89_federal_subjects_are_loaded(self):
        assert Region.objects.count() == 89

    def test_region_codes_are_two_digits_and_iso_codes_are_unique(self):
        regions = list(Region.objects.all())
        assert all(len(r.code) == 2 and r.code.isdigit() for r in regions)
        iso_codes = [r.iso_code for r in regions]
        assert len(set(iso_codes)) == len(iso_codes)
        assert all(code.startswith("RU-") and len(code) <= 6 for code in iso_codes)

    def test_every_region_time_zone_loads_in_zoneinfo(self):
        for zone in Region.objects.values_list("timezone", flat=True).distinct():
            ZoneInfo(zone)

    def test_region_time_zones_span_exactly_eleven_offsets_from_msk_minus_1_to_msk_plus_9(self):
        zones = set(Region.objects.values_list("timezone", flat=True))
        offsets = {utc_offset_hours(zone) for zone in zones}
        assert offsets == {float(h) for h in range(2, 13)}

    def test_no_region_observes_daylight_saving_time(self):
        for zone in Region.objects.values_list("timezone", flat=True).distinct():
            assert utc_offset_hours(zone, WINTER) == utc_offset_hours(zone, SUMMER), zone

    def test_moscow_is_on_moscow_time(self):
        moscow = Region.objects.get(code="77")
        assert moscow.timezone == "Europe/Moscow"
        assert moscow.iso_code == "RU-MOW"

    def test_kaliningrad_is_utc_plus_2(self):
        assert utc_offset_hours(Region.objects.get(code="39").timezone) == 2

    def test_kamchatka_is_utc_plus_12(self):
        assert utc_offset_hours(Region.objects.get(code="41").timezone) == 12

    @pytest.mark.parametrize(
        ("code", "zone"),
        [
            ("43", "Europe/Kirov"),
            ("34", "Europe/Volgograd"),
            ("91", "Europe/Simferopol"),
            ("92", "Europe/Simferopol"),
            ("18", "Europe/Samara"),
            ("64", "Europe/Saratov"),
            ("04", "Asia/Barnaul"),
            ("17", "Asia/Krasnoyarsk"),
            ("42", "Asia/Novokuznetsk"),
            ("14", "Asia/Yakutsk"),
            ("28", "Asia/Yakutsk"),
            ("87", "Asia/Anadyr"),
            ("93", "Europe/Moscow"),
        ],
    )
    def test_regions_follow_the_zone_table_of_domain_section_6(self, code, zone):
        assert Region.objects.get(code=code).timezone == zone

    def test_every_region_belongs_to_a_known_federal_district(self):
        districts = set(Region.objects.values_list("federal_district", flat=True))
        assert districts == set(FederalDistrict.values)

    def test_the_four_regions_admitted_in_2022_are_in_the_southern_district(self):
        new_regions = Region.objects.filter(code__in=["90", "93", "94", "95"])
        assert {r.iso_code for r in new_regions} == {"RU-ZAP", "RU-DPR", "RU-LPR", "RU-KHE"}
        assert {r.federal_district for r in new_regions} == {FederalDistrict.SOUTHERN}

    def test_chechnya_uses_code_20(self):
        assert Region.objects.get(code="20").iso_code == "RU-CE"


@pytest.mark.django_db
class TestCountries:
    def test_every_iso_3166_country_is_loaded(self):
        assert Country.objects.count() == 249
        iso2 = list(Country.objects.values_list("iso2", flat=True))
        assert len(set(iso2)) == len(iso2)

    def test_eaeu_members_are_exactly_armenia_belarus_kazakhstan_and_kyrgyzstan(self):
        eaeu = set(Country.objects.filter(regime=Country.MigrationRegime.EAEU).values_list("iso3", flat=True))
        assert eaeu == {"ARM", "BLR", "KAZ", "KGZ"}

    @pytest.mark.parametrize("iso3", ["UZB", "TJK", "AZE", "MDA"])
    def test_cis_citizens_outside_the_eaeu_enter_visa_free(self, iso3):
        country = Country.objects.get(iso3=iso3)
        assert country.regime == Country.MigrationRegime.VISA_FREE
        assert country.is_visa_free and not country.is_eaeu

    def test_chinese_citizens_need_a_visa(self):
        assert Country.objects.get(iso3="CHN").regime == Country.MigrationRegime.VISA

    def test_russia_is_the_only_domestic_country(self):
        domestic = Country.objects.filter(regime=Country.MigrationRegime.DOMESTIC)
        assert list(domestic.values_list("iso3", flat=True)) == ["RUS"]

    def test_every_country_has_a_russian_name_and_a_legal_source(self):
        assert not Country.objects.filter(name_ru="").exists()
        assert not Country.objects.filter(source_note="").exists()

    @pytest.mark.parametrize(
        ("iso3", "name_ru"),
        [("UZB", "Узбекистан"), ("TJK", "Таджикистан"), ("KGZ", "Киргизия"), ("BLR", "Беларусь"), ("MDA", "Молдова")],
    )
    def test_russian_names_are_the_short_forms_of_mvd_statistics(self, iso3, name_ru):
        assert Country.objects.get(iso3=iso3).name_ru == name_ru


@pytest.mark.django_db
class TestSourceSystems:
    def test_the_agency_source_systems_exist(self):
        codes = set(SourceSystem.objects.values_list("code", flat=True))
        assert codes == {"BORDER", "MIGREG", "PATENT", "FNS", "EMPLOYER", "SELFREG", "RESIDENCE", "PLATFORM"}
        assert not SourceSystem.objects.filter(is_active=False).exists()


@pytest.mark.django_db
class TestDataMigration:
    migration = import_module("reference.migrations.0002_load_reference_data")

    def test_reloading_restores_shipped_values_without_duplicating_rows(self):
        Country.objects.filter(iso3="UZB").update(regime=Country.MigrationRegime.VISA)

        self.migration.load_reference_data(apps, None)

        assert Country.objects.get(iso3="UZB").regime == Country.MigrationRegime.VISA_FREE
        assert Country.objects.count() == 249
        assert Region.objects.count() == 89

    def test_reversing_removes_the_shipped_rows_and_keeps_rows_staff_added(self):
        SourceSystem.objects.create(code="LOCAL_TEST", name="Local", agency="Test")

        self.migration.unload_reference_data(apps, None)

        assert not Country.objects.exists()
        assert not Region.objects.exists()
        assert list(SourceSystem.objects.values_list("code", flat=True)) == ["LOCAL_TEST"]


@pytest.mark.django_db
class TestAdmin:
    @pytest.mark.parametrize(
        ("url_name", "query"),
        [
            ("admin:reference_country_changelist", {"q": "Узбек", "regime": "visa_free"}),
            ("admin:reference_region_changelist", {"q": "Моск", "federal_district": "CFD"}),
            ("admin:reference_sourcesystem_changelist", {"q": "МВД"}),
        ],
    )
    def test_staff_can_search_and_filter_the_reference_lists(self, client, superuser, url_name, query):
        client.force_login(superuser)
        response = client.get(reverse(url_name), query)
        assert response.status_code == 200
        assert response.context["cl"].result_count >= 1
