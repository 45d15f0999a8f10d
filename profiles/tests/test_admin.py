from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessLog
from employers.models import Organization
from profiles.models import Person, PersonNameKey
from profiles.selectors import person_search
from profiles.services import (
    employment_contract_record,
    identity_document_add,
    patent_payment_record,
    person_rebuild_stays,
)
from profiles.tests.factories import (
    country,
    make_crossing,
    make_organization,
    make_permit,
    make_person,
    make_record,
    make_registration,
    region,
)

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:profiles_person_changelist")
TODAY = timezone.localdate()


def change_url(person: Person) -> str:
    return reverse("admin:profiles_person_change", args=[person.pk])


def purpose_url(person: Person) -> str:
    return reverse("admin:audit_accesslog_purpose", args=[person.pk])


def search(term: str) -> set[Person]:
    return set(person_search(queryset=Person.objects.all(), term=term))


def listed(client, **params) -> set[Person]:
    response = client.get(CHANGELIST, params)
    assert response.status_code == 200
    return set(response.context["cl"].result_list)


@pytest.fixture
def officer_client(client, officer):
    client.force_login(officer)
    return client


@pytest.fixture
def analyst(django_user_model):
    user = django_user_model.objects.create_user(username="analyst", password="analyst-pass-123", is_staff=True)
    user.groups.add(Group.objects.get(name="Analysts"))
    return user


@pytest.fixture
def karimov_latin() -> Person:
    return make_person(latin_surname="KARIMOV", latin_given_names="AZIZ")


@pytest.fixture
def karimov_cyrillic() -> Person:
    return make_person(
        latin_surname="", latin_given_names="", cyrillic_surname="Каримова", cyrillic_given_names="Дилноза"
    )


def state_purpose(client, person: Person, reference: str = "APP-2024-001"):
    return client.post(
        purpose_url(person), {"purpose": "application", "reference": reference, "next": change_url(person)}
    )


class TestPersonSearchSelector:
    def test_a_cyrillic_name_finds_a_person_stored_only_in_latin(self, karimov_latin):
        assert search("Каримов") == {karimov_latin}

    def test_a_latin_name_in_any_transliteration_finds_a_person_stored_only_in_cyrillic(self, karimov_cyrillic):
        assert search("KARIMOVA") == {karimov_cyrillic}
        assert search("qarimova dilnoza") == {karimov_cyrillic}

    def test_a_name_prefix_finds_longer_names(self, karimov_latin, karimov_cyrillic):
        assert search("Карим") == {karimov_latin, karimov_cyrillic}

    def test_every_word_of_a_name_must_match(self, karimov_latin, karimov_cyrillic):
        assert search("Каримов Азиз") == {karimov_latin}
        assert search("Karimov Bobur") == set()

    def test_a_single_letter_finds_nobody(self, karimov_latin):
        assert search("K") == set()

    def test_a_document_number_is_found_with_spaces_dashes_and_cyrillic_look_alikes(self, karimov_latin):
        identity_document_add(
            person=karimov_latin, document_type="passport", issuing_country=country(), number="AA1234567"
        )

        assert search("АА 123-45 67") == {karimov_latin}
        assert search("aa1234567") == {karimov_latin}

    def test_a_document_number_on_a_linked_agency_record_is_found(self, karimov_latin):
        make_record(person=karimov_latin, document_type="passport", document_number="KA 765 4321")
        make_record(document_number="KA7654321")  # unlinked: nobody to show

        assert search("КА-765-4321") == {karimov_latin}

    def test_a_phone_in_any_format_is_found(self, karimov_latin):
        with_phone = make_person(latin_surname="TOSHEV", phone="+79161234567")

        assert search("8 916 123-45-67") == {with_phone}
        assert search("+7 (916) 123 45 67") == {with_phone}
        assert search("8 916 000-00-00") == set()


class TestPersonList:
    def test_an_officer_finds_a_latin_only_person_by_the_cyrillic_name(self, officer_client, karimov_latin):
        make_person(latin_surname="TOSHEV")

        assert listed(officer_client, q="Каримов") == {karimov_latin}

    def test_an_officer_finds_a_cyrillic_only_person_by_the_latin_name(self, officer_client, karimov_cyrillic):
        assert listed(officer_client, q="KARIMOVA") == {karimov_cyrillic}

    def test_an_officer_finds_a_person_by_document_number_and_by_phone(self, officer_client, karimov_latin):
        identity_document_add(
            person=karimov_latin, document_type="passport", issuing_country=country(), number="AA1234567"
        )
        with_phone = make_person(latin_surname="TOSHEV", phone="+79161234567")

        assert listed(officer_client, q="АА 123 45 67") == {karimov_latin}
        assert listed(officer_client, q="8 916 123-45-67") == {with_phone}

    def test_the_list_filters_by_citizenship_current_region_and_valid_permit(self, officer_client):
        uzbek = make_person(latin_surname="ALIEV")
        tajik = make_person(latin_surname="RAHIMOV", citizenship_iso3="TJK")
        moved = make_person(latin_surname="NAZAROV")
        make_registration(uzbek, region_code="77", valid_from=TODAY - dt.timedelta(days=10))
        make_registration(tajik, region_code="50", valid_from=TODAY - dt.timedelta(days=10))
        make_registration(moved, region_code="77", valid_from=TODAY - dt.timedelta(days=60))
        make_registration(moved, region_code="50", valid_from=TODAY - dt.timedelta(days=5))
        make_permit(uzbek, kind="patent", valid_from=TODAY - dt.timedelta(days=30))
        make_permit(tajik, kind="patent", valid_from=TODAY - dt.timedelta(days=400))  # expired
        make_permit(tajik, kind="vnzh", valid_from=TODAY - dt.timedelta(days=30), valid_to=None)

        assert listed(officer_client, citizenship__iso3__exact="TJK") == {tajik}
        assert listed(officer_client, region="77") == {uzbek}
        assert listed(officer_client, region="50") == {tajik, moved}
        assert listed(officer_client, permit_kind="patent") == {uzbek}
        assert listed(officer_client, permit_kind="vnzh") == {tajik}

    def test_the_list_shows_a_masked_phone(self, officer_client):
        make_person(phone="+79161234567")

        content = officer_client.get(CHANGELIST).content.decode()

        assert "4567" in content
        assert "+79161234567" not in content

    def test_the_list_query_count_does_not_grow_with_the_number_of_persons(
        self, officer_client, django_assert_max_num_queries
    ):
        def list_queries() -> int:
            with CaptureQueriesContext(connection) as queries:
                assert officer_client.get(CHANGELIST, {"q": "Testov"}).status_code == 200
                assert officer_client.get(CHANGELIST, {"region": "77", "permit_kind": "patent"}).status_code == 200
            return len(queries)

        for _ in range(5):
            make_person(citizenship_iso3="TJK")
        with_five = list_queries()
        for _ in range(25):
            make_person()
        with_thirty = list_queries()

        assert with_thirty == with_five
        with django_assert_max_num_queries(12):
            officer_client.get(CHANGELIST)

    def test_a_list_page_read_is_not_logged(self, officer_client, karimov_latin):
        officer_client.get(CHANGELIST, {"q": "Karimov"})

        assert AccessLog.objects.count() == 0


def person_with_facts() -> Person:
    person = make_person(latin_surname="KARIMOV", latin_given_names="AZIZ", phone="+998901234567")
    start = dt.date(2024, 1, 10)
    identity_document_add(person=person, document_type="passport", issuing_country=country(), number="AA1234567")
    make_crossing(person, "entry", start)
    make_crossing(person, "exit", start + dt.timedelta(days=80))
    make_crossing(person, "entry", start + dt.timedelta(days=120))
    person_rebuild_stays(person=person)
    make_registration(person, valid_from=start)
    employer = make_organization()
    make_registration(person, region_code="50", valid_from=start + dt.timedelta(days=120))
    patent = make_permit(person, valid_from=start)
    patent_payment_record(
        permit=patent, source_record=make_record(system="FNS", person=person), paid_on=start,
        amount=Decimal("7500.00"), months=1, period_from=start, paid_until=start + dt.timedelta(days=30),
        receipt_number=f"R-{person.pk}",
    )  # fmt: skip
    employment_contract_record(
        person=person, source_record=make_record(system="EMPLOYER", person=person), employer=employer,
        position="Mason", work_region=region(), concluded_on=start, starts_on=start,
    )  # fmt: skip
    return person


class TestPersonPageIsPurposeBound:
    def test_opening_a_person_asks_for_a_purpose_first(self, officer_client, karimov_latin):
        response = officer_client.get(change_url(karimov_latin))

        assert response.status_code == 302
        assert response["Location"].startswith(purpose_url(karimov_latin))
        assert AccessLog.objects.count() == 0

    def test_the_purpose_form_requires_a_reference(self, officer_client, karimov_latin):
        response = state_purpose(officer_client, karimov_latin, reference="   ")

        assert response.status_code == 200
        assert response.context["form"].errors["reference"]
        assert AccessLog.objects.count() == 0

    def test_stating_a_purpose_opens_the_page_and_every_view_is_logged(self, officer_client, officer):
        person = person_with_facts()

        response = state_purpose(officer_client, person)
        assert response.status_code == 302
        assert response["Location"] == change_url(person)
        assert officer_client.get(change_url(person)).status_code == 200
        page = officer_client.get(change_url(person))

        assert page.status_code == 200
        content = page.content.decode()
        for shown in ("AA1234567", "Sheremetyevo", "Mason", "7500", "BORDER", "&quot;n&quot;", "APP-2024-001"):
            assert shown in content, shown
        log = list(AccessLog.objects.order_by("id").values_list("user", "person", "channel", "purpose", "reference"))
        assert log == [(officer.pk, person.pk, "admin", "application", "APP-2024-001")] * 3

    def test_the_person_page_has_a_bounded_number_of_queries(self, officer_client):
        person = person_with_facts()
        state_purpose(officer_client, person)

        with CaptureQueriesContext(connection) as few:
            assert officer_client.get(change_url(person)).status_code == 200
        make_crossing(person, "exit", dt.date(2024, 7, 1))
        make_crossing(person, "entry", dt.date(2024, 8, 1))
        person_rebuild_stays(person=person)
        make_registration(person, valid_from=dt.date(2024, 8, 2))
        make_permit(person, kind="work_permit", valid_from=dt.date(2024, 8, 2), region=region("50"))
        with CaptureQueriesContext(connection) as more:
            assert officer_client.get(change_url(person)).status_code == 200

        assert len(more) == len(few) <= 30

    def test_the_change_history_of_a_person_is_purpose_bound_too(self, officer_client, karimov_latin):
        url = reverse("admin:profiles_person_history", args=[karimov_latin.pk])

        assert officer_client.get(url).status_code == 302
        state_purpose(officer_client, karimov_latin)
        assert officer_client.get(url).status_code == 200

    def test_a_purpose_covers_only_the_person_it_was_stated_for(self, officer_client, karimov_latin, karimov_cyrillic):
        state_purpose(officer_client, karimov_latin)

        assert officer_client.get(change_url(karimov_latin)).status_code == 200
        assert officer_client.get(change_url(karimov_cyrillic)).status_code == 302

    def test_an_expired_purpose_is_asked_for_again(self, officer_client, karimov_latin, settings):
        state_purpose(officer_client, karimov_latin)
        settings.AUDIT_PURPOSE_TTL_SECONDS = 0

        assert officer_client.get(change_url(karimov_latin)).status_code == 302

    def test_a_superuser_states_a_purpose_too(self, client, superuser, karimov_latin):
        client.force_login(superuser)

        assert client.get(change_url(karimov_latin)).status_code == 302
        state_purpose(client, karimov_latin)
        assert client.get(change_url(karimov_latin)).status_code == 200
        assert AccessLog.objects.filter(user=superuser).count() == 2

    def test_an_agency_record_page_needs_its_persons_purpose(self, officer_client, karimov_latin):
        record = make_record(person=karimov_latin, payload={"surname": "KARIMOV"})
        url = reverse("admin:profiles_sourcerecord_change", args=[record.pk])

        assert officer_client.get(url).status_code == 302
        state_purpose(officer_client, karimov_latin)
        assert officer_client.get(url).status_code == 200
        assert AccessLog.objects.filter(person=karimov_latin).count() == 2

    def test_an_agency_record_page_shows_its_link_field_by_field_with_both_values(self, officer_client, karimov_latin):
        from profiles.services import source_record_link

        matched = make_record(person=karimov_latin, surname="KARIMOV", document_number="FA1234567")
        record = make_record(system="MIGREG", surname="Каримов", document_number="FA1234567")
        summary = (
            "agree: surname (translit_equal +6.1), document_number (exact +9.2); disagree: nothing; probability 0.9995"
        )
        source_record_link(
            record=record, person=karimov_latin, score=0.9995, reason={"summary": summary, "matched_record": matched.pk}
        )
        state_purpose(officer_client, karimov_latin)

        page = officer_client.get(reverse("admin:profiles_sourcerecord_change", args=[record.pk])).content.decode()

        assert "<td>surname</td><td>translit_equal</td><td>+6.1</td><td>Каримов ↔ KARIMOV</td>" in page
        assert "<td>document_number</td><td>exact</td><td>+9.2</td><td>FA1234567 ↔ FA1234567</td>" in page
        assert f"{karimov_latin} · score 0.9995 · linked " in page

    def test_an_analyst_cannot_open_a_person_nor_state_a_purpose(self, client, analyst, karimov_latin):
        client.force_login(analyst)

        assert client.get(change_url(karimov_latin)).status_code == 403
        assert client.get(purpose_url(karimov_latin)).status_code == 403
        assert client.get(CHANGELIST).status_code == 403
        assert AccessLog.objects.count() == 0

    def test_the_access_log_is_read_only_for_officers(self, officer_client, karimov_latin):
        state_purpose(officer_client, karimov_latin)
        entry = AccessLog.objects.get()

        assert officer_client.get(reverse("admin:audit_accesslog_changelist")).status_code == 200
        assert officer_client.get(reverse("admin:audit_accesslog_add")).status_code == 403
        assert officer_client.get(reverse("admin:audit_accesslog_delete", args=[entry.pk])).status_code == 403
        change = officer_client.post(reverse("admin:audit_accesslog_change", args=[entry.pk]), {"reference": "x"})
        assert change.status_code == 403
        assert AccessLog.objects.get().reference == "APP-2024-001"


class TestAdminSavesGoThroughServices:
    def test_adding_a_person_normalizes_the_phone_and_makes_the_name_searchable(self, officer_client):
        response = officer_client.post(
            reverse("admin:profiles_person_add"),
            {
                "latin_surname": "JURAEV", "latin_given_names": "BOBUR", "birth_date": "1991-02-03", "sex": "M",
                "citizenship": "UZB", "preferred_language": "uz", "phone": "8 916 123-45-67",
            },
        )  # fmt: skip

        assert response.status_code == 302
        person = Person.objects.get()
        assert person.phone == "+79161234567"
        assert set(PersonNameKey.objects.filter(person=person).values_list("key", flat=True)) == {"JURAEV", "BOBUR"}

    def test_correcting_a_name_through_the_admin_refreshes_the_name_keys(self, officer_client, karimov_latin):
        state_purpose(officer_client, karimov_latin)
        inline_prefixes = (
            "record_links", "documents", "stays", "bordercrossings", "migrationregistrations", "permits",
            "patentpayments", "employmentcontracts",
        )  # fmt: skip
        management = {f"{prefix}-{key}": "0" for prefix in inline_prefixes for key in ("TOTAL_FORMS", "INITIAL_FORMS")}

        response = officer_client.post(
            change_url(karimov_latin),
            {
                **management, "latin_surname": "KARIMOV", "latin_given_names": "AZIZBEK", "birth_date": "1990-05-17",
                "sex": "M", "citizenship": "UZB", "preferred_language": "ru", "phone": "+998 90 123 45 67",
            },
        )  # fmt: skip

        assert response.status_code == 302, response.context["errors"]
        karimov_latin.refresh_from_db()
        assert karimov_latin.phone == "+998901234567"
        assert search("Азизбек") == {karimov_latin}

    def test_an_organization_with_a_mistyped_inn_is_shown_the_check_digit_error(self, officer_client):
        response = officer_client.post(
            reverse("admin:employers_organization_add"),
            {"kind": "legal_entity", "name": "PAO Bank", "inn": "7707083894", "ogrn": "1027700132195", "region": "77"},
        )

        assert response.status_code == 200
        assert "fails its check digit" in str(response.context["adminform"].form.errors["inn"])
        assert not Organization.objects.exists()

    def test_fact_lists_are_browsable_and_read_only(self, officer_client):
        person_with_facts()
        for model in ("bordercrossing", "stay", "migrationregistration", "permit", "patentpayment",
                      "employmentcontract", "identitydocument", "sourcerecord"):  # fmt: skip
            assert officer_client.get(reverse(f"admin:profiles_{model}_changelist")).status_code == 200, model
            assert officer_client.get(reverse(f"admin:profiles_{model}_add")).status_code == 403, model
