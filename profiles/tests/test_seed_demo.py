"""The demo population: deterministic, realistic enough to link, resumable, and valid row by row."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from io import StringIO
from itertools import pairwise

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import F

from employers.models import Organization
from employers.validators import validate_inn, validate_ogrn
from profiles.demo import rows as demo_rows
from profiles.demo import writer
from profiles.demo.generator import generate_people, generate_person
from profiles.demo.organizations import generate_organizations
from profiles.demo.translit import national_to_russian, to_latin
from profiles.demo.world import AS_OF
from profiles.models import (
    BorderCrossing,
    EmploymentContract,
    IdentityDocument,
    MigrationRegistration,
    PatentPayment,
    Permit,
    Person,
    PersonNameKey,
    RecordLink,
    SourceRecord,
    Stay,
)
from profiles.names import name_keys

pytestmark = pytest.mark.django_db


def seed(people: int, *, seed: int = 7, chunk_size: int = 25, **options) -> str:
    out = StringIO()
    call_command("seed_demo", people=people, seed=seed, chunk_size=chunk_size, no_progress=True, stdout=out, **options)
    return out.getvalue()


def table_counts() -> Counter[str]:
    return Counter({model.__name__: model.objects.count() for model, _ in writer.TABLES})


def canonical_dump() -> str:
    """A checksum of everything seeded, by natural keys: database ids and timestamps left out."""
    person_key = dict(Person.objects.values_list("id", "public_id"))
    record_key = {
        record_id: f"{system}:{source_id}"
        for record_id, system, source_id in SourceRecord.objects.values_list(
            "id", "source_system_id", "source_record_id"
        )
    }
    organization_key = dict(Organization.objects.values_list("id", "inn"))
    crossing_record = dict(BorderCrossing.objects.values_list("id", "source_record_id"))
    permit_record = dict(Permit.objects.values_list("id", "source_record_id"))

    def rows(model, exclude=("id", "created_at", "updated_at")):
        fields = [f.attname for f in model._meta.concrete_fields if f.attname not in exclude]
        result = []
        for values in model.objects.values_list(*fields):
            row = dict(zip(fields, values, strict=True))
            for name in ("person_id", "merged_into_id"):
                if row.get(name) is not None:
                    row[name] = person_key[row[name]]
            if row.get("source_record_id") is not None and model is not SourceRecord:
                row["source_record_id"] = record_key[row["source_record_id"]]
            if model is RecordLink:
                row["record_id"] = record_key[row["record_id"]]
            for name in ("host_organization_id", "employer_id"):
                if row.get(name) is not None:
                    row[name] = organization_key[row[name]]
            if model is Stay:
                row["entry_id"] = record_key[crossing_record[row["entry_id"]]]
                row["exit_id"] = row["exit_id"] and record_key[crossing_record[row["exit_id"]]]
            if model is PatentPayment:
                row["permit_id"] = record_key[permit_record[row["permit_id"]]]
            result.append(json.dumps(row, sort_keys=True, default=str, ensure_ascii=False))
        return sorted(result)

    dump = {model.__name__: rows(model) for model, _ in writer.TABLES}
    dump["Organization"] = rows(Organization)
    return hashlib.sha256(json.dumps(dump, sort_keys=True).encode()).hexdigest()


class Rollback(Exception):
    pass


def dump_of_a_seeding(**options) -> str:
    """Seed inside a savepoint, take the dump, roll back: two seedings can be compared in one test."""
    try:
        with transaction.atomic():
            seed(**options)
            dump = canonical_dump()
            raise Rollback
    except Rollback:
        return dump


# --- The generator ---------------------------------------------------------------------------------


class TestGenerator:
    def test_it_gives_the_same_people_for_the_same_seed(self):
        assert list(generate_people(42, range(80))) == list(generate_people(42, range(80)))

    def test_different_seeds_give_different_people(self):
        first = [bundle.person for bundle in generate_people(1, range(50))]
        second = [bundle.person for bundle in generate_people(2, range(50))]
        assert sum(a != b for a, b in zip(first, second, strict=True)) == 50

    def test_a_person_depends_only_on_the_seed_and_its_index(self):
        alone = generate_person(42, 37)
        assert alone == list(generate_people(42, range(100)))[37]
        assert alone == list(generate_people(42, range(30, 40)))[7]

    def test_every_record_knows_its_true_person_and_hides_it_in_its_id(self):
        for bundle in generate_people(42, range(40)):
            for record in bundle.records:
                assert record.person_index == bundle.person.index
        ids = [record.source_record_id for bundle in generate_people(42, range(40)) for record in bundle.records]
        assert len(ids) == len(set(ids))
        suffixes = [record_id.rsplit("-", 1)[1] for record_id in ids]
        assert len(suffixes) == len(set(suffixes)), "the same suffix in two systems would link them"

    def test_nothing_happens_after_the_demo_date(self):
        for bundle in generate_people(42, range(300)):
            assert all(record.received_at.date() <= AS_OF for record in bundle.records)
            assert all(crossing.crossed_on <= AS_OF for crossing in bundle.crossings)

    def test_the_hard_cases_appear_in_the_expected_proportions(self):
        bundles = list(generate_people(42, range(3000)))
        tags = Counter(tag.split(":")[0] for bundle in bundles for tag in bundle.person.tags)
        records = [record for bundle in bundles for record in bundle.records]
        assert 0.015 < sum(len(b.profiles) == 2 for b in bundles) / 3000 < 0.045  # ~3% false splits
        assert 0.012 < sum(r.profile is None for r in records) / len(records) < 0.03  # ~2% unlinked
        assert 0.005 < tags["twin"] / 3000 < 0.03
        assert 0.05 < tags["relative"] / 3000 < 0.15
        assert 0.06 < tags["renewed_passport"] / 3000 < 0.18
        assert tags["namesake"] > 30
        # Namesakes: one full name, several people, different birth dates.
        births_by_name = {}
        for bundle in bundles:
            person = bundle.person
            key = (person.citizenship, person.cyrillic_surname, person.cyrillic_given_names)
            births_by_name.setdefault(key, set()).add(person.birth_date)
        assert max(len(births) for births in births_by_name.values()) >= 5

    def test_twins_share_surname_and_birth_date_but_not_the_given_name(self):
        bundles = list(generate_people(42, range(3000)))
        twins = [b.person for b in bundles if "twin" in b.person.tags]
        pairs = [(a, b) for a, b in pairwise(twins) if a.household == b.household]
        assert pairs
        for first, second in pairs:
            assert first.birth_date == second.birth_date
            assert first.cyrillic_given_names != second.cyrillic_given_names
            assert first.cyrillic_surname.rstrip("а") == second.cyrillic_surname.rstrip("а")

    def test_the_population_looks_like_the_migration_statistics(self):
        people = [bundle.person for bundle in generate_people(42, range(3000))]
        countries = Counter(person.citizenship for person in people)
        assert 0.38 < countries["UZB"] / 3000 < 0.52
        assert 0.18 < countries["TJK"] / 3000 < 0.32
        regions = Counter(person.region for person in people)
        assert 0.2 < regions["77"] / 3000 < 0.36
        assert 0.12 < regions["50"] / 3000 < 0.24
        workers = [p for p in people if p.category in ("patent", "eaeu_worker", "visa_worker")]
        assert 0.62 < sum(p.sex == "M" for p in workers) / len(workers) < 0.82
        ages = [(AS_OF - p.birth_date).days // 365 for p in people]
        assert 0.8 < sum(18 <= age <= 55 for age in ages) / len(ages) < 0.97
        assert any(age < 18 for age in ages) and any(age > 60 for age in ages)

    def test_eaeu_citizens_never_get_a_patent(self):
        for bundle in generate_people(42, range(1500)):
            if bundle.person.citizenship in ("KAZ", "KGZ", "ARM", "BLR"):
                assert not any(permit.kind == "patent" for permit in bundle.permits)

    def test_organizations_have_valid_and_unique_inn_and_ogrn(self):
        organizations = generate_organizations(42, 20_000)
        for organization in organizations:
            validate_inn(organization.inn)
            validate_ogrn(organization.ogrn)
        assert len({o.inn for o in organizations}) == len(organizations)
        assert len({o.ogrn for o in organizations}) == len(organizations)

    def test_personal_inns_are_valid(self):
        tax_ids = [b.person.tax_id for b in generate_people(42, range(300)) if b.person.tax_id]
        assert tax_ids
        for tax_id in tax_ids:
            validate_inn(tax_id)


class TestTransliteration:
    @pytest.mark.parametrize(
        ("national", "style", "latin"),
        [
            ("Жўраев", "uz", "JO'RAYEV"),
            ("Холматов", "uz", "XOLMATOV"),
            ("Ғуломов", "uz", "G'ULOMOV"),
            ("Ҷамшед", "tj", "JAMSHED"),
            ("Ғаффоров", "tj", "GHAFFOROV"),
            ("Жылдыз", "kg", "ZHYLDYZ"),
            ("Қасымов", "kz", "QASYMOV"),
            ("Жураев", "ru_icao", "ZHURAEV"),
            ("Юлия", "ru_icao", "IULIIA"),
            ("Юлия", "ru_gost", "YULIYA"),
        ],
    )
    def test_passport_latin_follows_the_issuing_country(self, national, style, latin):
        assert to_latin(national, style) == latin

    def test_russian_records_write_national_letters_the_russian_way(self):
        assert national_to_russian("Ҷӯраев") == "Джураев"
        assert national_to_russian("Ғуломов") == "Гуломов"


# --- Writing to the database -----------------------------------------------------------------------


class TestSeeding:
    def test_it_writes_people_records_and_facts(self):
        output = seed(60)
        counts = table_counts()
        bundles = list(generate_people(7, range(60)))
        assert counts["Person"] == sum(len(b.profiles) for b in bundles)
        assert counts["SourceRecord"] == sum(len(b.records) for b in bundles)
        for model in ("BorderCrossing", "Stay", "MigrationRegistration", "Permit", "PatentPayment"):
            assert counts[model] > 0, model
        assert "Seeded 60 people" in output

    def test_seeding_twice_writes_nothing_the_second_time(self):
        seed(200, chunk_size=50)
        before = table_counts()
        output = seed(200, chunk_size=50)
        assert table_counts() == before
        assert "Already seeded" in output

    def test_a_larger_population_keeps_the_people_already_written(self):
        seed(30)
        first = set(Person.objects.values_list("public_id", flat=True))
        output = seed(50)
        assert first <= set(Person.objects.values_list("public_id", flat=True))
        assert "Seeded 20 people" in output

    def test_the_chunk_size_does_not_change_what_is_written(self):
        assert dump_of_a_seeding(people=45, chunk_size=7) == dump_of_a_seeding(people=45, chunk_size=100)

    def test_the_same_seed_writes_the_same_rows_and_another_seed_other_rows(self):
        first = dump_of_a_seeding(people=30, seed=3)
        assert dump_of_a_seeding(people=30, seed=3) == first
        assert dump_of_a_seeding(people=30, seed=4) != first

    def test_records_are_linked_with_a_demo_reason_or_await_the_linker(self):
        seed(120)
        links = RecordLink.objects.all()
        assert set(links.values_list("score", flat=True)) == {1.0}
        assert {reason["method"] for reason in links.values_list("reason", flat=True)} == {"demo_seed"}
        assert not links.filter(linked_at__lt=F("record__received_at")).exists()
        assert SourceRecord.objects.filter(link__isnull=True).exists()
        assert set(SourceRecord.objects.values_list("source_record_id", flat=True)) == {
            record.source_record_id for bundle in generate_people(7, range(120)) for record in bundle.records
        }

    def test_false_splits_and_unlinked_records_reach_the_database(self):
        seed(300, chunk_size=100)
        assert 300 < Person.objects.count() <= 300 * 1.06
        share = SourceRecord.objects.filter(link__isnull=True).count() / SourceRecord.objects.count()
        assert 0.005 < share < 0.04

    def test_every_row_passes_the_models_own_validation(self):
        seed(40)
        for model in [Organization] + [model for model, _ in writer.TABLES]:
            for row in model.objects.all()[:150]:
                try:
                    row.full_clean()
                except ValidationError as error:  # pragma: no cover - the message is the diagnosis
                    pytest.fail(f"{model.__name__} #{row.pk}: {error}")

    def test_name_keys_cover_every_linked_spelling(self):
        seed(30)
        person = Person.objects.filter(record_links__record__source_system="BORDER").first()
        keys = set(PersonNameKey.objects.filter(person=person).values_list("key", flat=True))
        for record in SourceRecord.objects.filter(link__person=person):
            assert name_keys(record.surname, record.given_names, record.patronymic) <= keys

    def test_a_crash_mid_chunk_leaves_whole_chunks_and_a_rerun_completes(self, monkeypatch):
        clean = dump_of_a_seeding(people=100, chunk_size=20)
        original = writer.write_table
        calls = Counter()

        def crash_in_the_third_chunk(model, rows, *, method):
            calls[model] += 1
            if model is PatentPayment and calls[model] == 3:
                raise RuntimeError("simulated crash")
            original(model, rows, method=method)

        monkeypatch.setattr(writer, "write_table", crash_in_the_third_chunk)
        with pytest.raises(RuntimeError, match="simulated crash"):
            seed(100, chunk_size=20)
        bundles = list(generate_people(7, range(40)))
        assert writer.people_written_among(seed=7, indices=range(100)) == set(range(40))
        assert Person.objects.count() == sum(len(b.profiles) for b in bundles)
        assert SourceRecord.objects.count() == sum(len(b.records) for b in bundles)

        monkeypatch.setattr(writer, "write_table", original)
        output = seed(100, chunk_size=20)
        assert "Seeded 60 people" in output
        assert canonical_dump() == clean

    def test_another_seed_is_refused_in_the_same_database(self):
        seed(10, seed=1)
        with pytest.raises(CommandError, match="seed 1"):
            seed(10, seed=2)

    @pytest.mark.parametrize("method", ["copy", "executemany"])
    def test_the_fast_writers_store_exactly_what_bulk_create_stores(self, method):
        if method == "copy" and connection.vendor != "postgresql":
            pytest.skip("COPY needs PostgreSQL")
        assert dump_of_a_seeding(people=40, method=method) == dump_of_a_seeding(people=40, method="bulk")

    def test_the_writer_covers_every_column_of_every_table(self):
        for model, columns in writer.TABLES:
            assert set(columns) == {field.attname for field in model._meta.concrete_fields}, model.__name__


class TestAccounts:
    def test_with_accounts_creates_the_five_users_once(self, settings):
        settings.DEBUG = True  # pytest-django runs tests with DEBUG off; the command refuses then
        output = seed(40, with_accounts=True)
        seed(40, with_accounts=True)
        users = get_user_model().objects.filter(email__endswith="@demo.migrant.local")
        assert sorted(users.values_list("username", flat=True)) == [
            "admin",
            "analyst",
            "employer",
            "migrant",
            "officer",
        ]
        assert users.get(username="admin").is_superuser
        officer = users.get(username="officer")
        assert officer.is_staff and officer.groups.filter(name="Migration officers").exists()
        assert users.get(username="analyst").groups.filter(name="Analysts").exists()
        assert users.get(username="employer").groups.filter(name="Employers").exists()
        assert users.get(username="officer").check_password("demo-officer-2026")
        assert Person.objects.filter(user=users.get(username="migrant")).count() == 1
        addresses = EmailAddress.objects.filter(user__in=users)
        assert addresses.count() == 5 and not addresses.filter(verified=False).exists()
        assert "admin@demo.migrant.local" in output and "demo-admin-2026" in output

    def test_with_accounts_is_refused_when_debug_is_off(self, settings):
        settings.DEBUG = False
        with pytest.raises(CommandError, match="DEBUG"):
            seed(5, with_accounts=True)
        assert not get_user_model().objects.filter(username="admin").exists()

    def test_force_allows_accounts_with_debug_off(self, settings):
        settings.DEBUG = False
        seed(5, with_accounts=True, force=True)
        assert get_user_model().objects.filter(username="admin").exists()


def test_every_demo_table_is_covered_by_the_dump():
    # Guards canonical_dump: a new fact table must be added to writer.TABLES (and so to the dump).
    fact_models = {BorderCrossing, MigrationRegistration, Permit, PatentPayment, EmploymentContract, IdentityDocument}
    assert fact_models <= {model for model, _ in writer.TABLES}


@pytest.mark.postgres
class TestBulkLoad:
    @pytest.fixture(autouse=True)
    def _postgresql_only(self):
        if connection.vendor != "postgresql":
            pytest.skip("a PostgreSQL bulk-load mode")

    def test_checking_keys_after_the_load_writes_the_same_rows(self):
        assert dump_of_a_seeding(people=40, check_fks_after=True) == dump_of_a_seeding(people=40)

    def test_a_broken_reference_is_caught_by_the_check_after_the_load(self, monkeypatch):
        original = demo_rows.chunk_rows

        def point_a_record_at_nobody(*args, **kwargs):
            rows = original(*args, **kwargs)
            link = list(rows[RecordLink][0])
            link[dict(writer.TABLES)[RecordLink].index("person_id")] = 10**12
            rows[RecordLink][0] = tuple(link)
            return rows

        monkeypatch.setattr(demo_rows, "chunk_rows", point_a_record_at_nobody)
        with pytest.raises(CommandError, match=r"RecordLink #\d+: person points at a missing Person"):
            seed(10, check_fks_after=True)
