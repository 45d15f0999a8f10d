"""The linker end to end: EM, guards against hard negatives, incremental linking, the re-link job."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections import Counter

import pytest
from django.db import IntegrityError

from exchange.tests.rows import person_row
from linkage.compare import FIELDS, MISSING, RecordView, compare
from linkage.model import DEFAULT_PARAMETERS, NEW, estimate_m, estimate_u, pattern_of, score_pair
from linkage.models import LinkDecision, LinkRun, MatchCandidate
from linkage.review import link_reason_rows
from linkage.services import records_link, records_link_pending, relink_all
from linkage.tasks import relink_request
from profiles.models import Person, RecordLink, SourceRecord
from profiles.selectors import source_record_person_id
from profiles.services import source_record_receive
from profiles.tests.factories import link_of, linked_person
from reference.models import Country, SourceSystem

_ids = itertools.count(1)


def receive(
    *,
    surname: str,
    given_names: str,
    birth_date: dt.date | None = dt.date(1990, 5, 17),
    sex: str = "M",
    citizenship: str | None = "UZB",
    document_number: str = "",
    patronymic: str = "",
    phone: str = "",
    tax_id: str = "",
    system: str = "BORDER",
) -> SourceRecord:
    """A record as the exchange app stores it: the payload in the exchange format, identity normalized."""
    record_id = f"T-{next(_ids)}"
    payload = person_row(
        record_id,
        source_system=system,
        surname=surname,
        given_names=given_names,
        patronymic=patronymic or None,
        birth_date=birth_date.strftime("%d.%m.%Y") if birth_date else None,
        sex={"M": "М", "F": "Ж"}.get(sex),
        citizenship=citizenship,
        document_number=document_number or None,
        document_type="passport" if document_number else None,
        phone=phone or None,
        tax_id=tax_id or None,
    )
    return source_record_receive(
        source_system=SourceSystem.objects.get(code=system),
        source_record_id=record_id,
        payload=payload,
        surname=surname,
        given_names=given_names,
        patronymic=patronymic,
        birth_date=birth_date,
        sex=sex,
        citizenship=Country.objects.get(pk=citizenship) if citizenship else None,
        document_type="passport" if document_number else "",
        document_number=document_number,
        phone=phone,
        tax_id=tax_id,
    )


def person_of(record: SourceRecord) -> int | None:
    return source_record_person_id(record_id=record.pk)


def link(*records: SourceRecord):
    summary = records_link(record_ids=[record.pk for record in records])
    for record in records:
        record.refresh_from_db()
    return summary


# --- The model, without a database --------------------------------------------------------------


def test_em_recovers_sensible_m_and_u_on_a_synthetic_set():
    rng = random.Random(7)
    surnames = [f"SURNAME{i}" for i in range(300)]
    given = [f"GIVEN{i}" for i in range(40)]
    people = []
    for index in range(600):
        people.append(
            {
                "surname": rng.choice(surnames),
                "given_names": rng.choice(given),
                "birth_date": dt.date(1960, 1, 1) + dt.timedelta(days=rng.randrange(15_000)),
                "document_number": f"FA{index:07d}",
                "sex": rng.choice("MF"),
            }
        )
    views = []
    truth = []
    for index, person in enumerate(people):
        for copy in range(3):
            fields = dict(person)
            if rng.random() < 0.1:
                fields["document_number"] = f"AB{rng.randrange(10**7):07d}"  # a renewed passport
            if copy == 2 and rng.random() < 0.3:
                fields["birth_date"] = None
            views.append(RecordView(id=len(views), citizenship="UZB", **fields))
            truth.append(index)
    random_pairs = [compare(views[rng.randrange(len(views))], views[rng.randrange(len(views))]) for _ in range(20_000)]
    u = estimate_u(random_pairs)
    # Blocked on the surname: true pairs and namesakes of the surname.
    by_surname: dict[str, list[int]] = {}
    for i, view in enumerate(views):
        by_surname.setdefault(view.surname, []).append(i)
    patterns: Counter = Counter()
    for members in by_surname.values():
        for i, j in itertools.combinations(members, 2):
            patterns[pattern_of(compare(views[i], views[j]))] += 1
    m, share = estimate_m(patterns, u, exclude=["surname"])
    true_share = sum(
        truth[i] == truth[j] for members in by_surname.values() for i, j in itertools.combinations(members, 2)
    ) / sum(patterns.values())
    assert share == pytest.approx(true_share, rel=0.1)
    assert m["birth_date"]["exact"] > 0.95
    assert m["document_number"]["exact"] == pytest.approx(0.82, abs=0.08)
    assert m["given_names"]["exact"] > 0.95
    assert u["birth_date"]["exact"] < 0.01
    assert u["given_names"]["exact"] == pytest.approx(1 / 40, abs=0.01)
    assert u["sex"]["exact"] == pytest.approx(0.5, abs=0.05)
    assert set(m) == set(FIELDS) and MISSING not in m["surname"]


def pure(**fields) -> RecordView:
    fields.setdefault("citizenship", "UZB")
    fields.setdefault("sex", "M")
    return RecordView(id=fields.pop("id", 1), **fields)


def test_twins_are_never_auto_linked_even_with_everything_else_equal():
    a = pure(surname="KARIMOV", given_names="HASAN", birth_date=dt.date(1999, 1, 2), patronymic="BAHODIROVICH")
    b = pure(id=2, surname="КАРИМОВ", given_names="ХУСАН", birth_date=dt.date(1999, 1, 2), patronymic="БАХОДИРОВИЧ")
    score = score_pair(DEFAULT_PARAMETERS, a, b)
    assert score.guard is not None and score.guard.name == "twins"
    assert score.outcome == NEW


def test_relatives_at_one_address_are_never_auto_linked():
    a = pure(surname="KARIMOV", given_names="JASUR", birth_date=dt.date(1980, 1, 2), address="MOSCOW TVERSKAYA 1-2")
    b = pure(
        id=2, surname="KARIMOV", given_names="SHERZOD", birth_date=dt.date(2001, 3, 4), address="MOSCOW TVERSKAYA 1-2"
    )
    score = score_pair(DEFAULT_PARAMETERS, a, b)
    assert score.guard is not None and score.guard.name == "relatives"
    assert score.outcome == NEW


def test_namesakes_are_never_auto_linked_and_at_most_reviewed_with_other_evidence():
    a = pure(surname="KARIMOV", given_names="JASUR", birth_date=dt.date(1990, 1, 2), document_number="FA1111111")
    b = pure(id=2, surname="Каримов", given_names="Жасур", birth_date=dt.date(1987, 6, 5), document_number="FA2222222")
    assert score_pair(DEFAULT_PARAMETERS, a, b).outcome == NEW
    b.phone = a.phone = "+998901234567"
    score = score_pair(DEFAULT_PARAMETERS, a, b)
    assert score.guard is not None and score.guard.name == "namesakes"
    assert score.outcome != "auto_link"


def test_agreeing_on_a_frequent_name_weighs_less_and_a_rare_name_gains_nothing():
    from dataclasses import replace

    from linkage.model import ModelParameters, explain, name_frequencies

    born = dt.date(1990, 1, 2)
    crowd = [pure(id=n, surname="KARIMOV", given_names="JASUR", birth_date=born) for n in range(30)]
    syllables = ("BA", "KO", "RU", "DI", "SE", "TA", "MU", "LO", "NE", "PI")
    names = [a + b + c for a in syllables for b in syllables for c in syllables][:970]
    rare = [pure(id=100 + n, surname=name, given_names=name) for n, name in enumerate(names)]
    frequencies = name_frequencies(crowd + rare, DEFAULT_PARAMETERS.u)
    # 3 % of identities are Karimov Jasur; each rare name is 0.1 %, below the agreement rate u.
    assert frequencies["surname"] == {"KARIMOV": 0.03} and frequencies["given_names"] == {"JASUR": 0.03}
    params = replace(DEFAULT_PARAMETERS, frequencies=frequencies)

    a = pure(surname="KARIMOV", given_names="JASUR", birth_date=born, document_number="FA1111111")
    b = pure(id=2, surname="Каримов", given_names="Жасур", birth_date=born, document_number="FA2222222")
    plain, adjusted = score_pair(DEFAULT_PARAMETERS, a, b), score_pair(params, a, b)
    rare_a = pure(surname="BAKORU", given_names="BAKORU", birth_date=born, document_number="FA1111111")
    rare_b = pure(id=2, surname="BAKORU", given_names="BAKORU", birth_date=born, document_number="FA2222222")

    assert adjusted.weight < plain.weight - 2
    a.tax_id = b.tax_id = "770000000000"  # a shared tax number identifies; the names only corroborate
    assert score_pair(params, a, b).weight == score_pair(DEFAULT_PARAMETERS, a, b).weight
    a.tax_id = b.tax_id = ""
    assert score_pair(params, rare_a, rare_b).weight == score_pair(DEFAULT_PARAMETERS, rare_a, rare_b).weight
    explanation = explain(params, a, b, adjusted)
    assert explanation["surname"]["frequent_name"] < 0 and "frequent name" in explanation["summary"]
    assert ModelParameters.from_json(params.as_json()).frequencies == frequencies


def test_explanations_sharing_their_score_keep_each_pair_s_own_values():
    from dataclasses import replace

    from linkage.model import explain, name_frequencies

    born = dt.date(1990, 1, 2)
    records = [
        pure(id=1, surname="KARIMOV", given_names="JASUR", birth_date=born),
        pure(id=2, surname="Каримов", given_names="Жасур", birth_date=born),
        pure(id=3, surname="ALIEV", given_names="RUSTAM", birth_date=born),
        pure(id=4, surname="Алиев", given_names="Рустам", birth_date=born),
    ]
    frequencies = name_frequencies(records + [records[0]] * 5, DEFAULT_PARAMETERS.u)
    params = replace(DEFAULT_PARAMETERS, frequencies=frequencies)
    score = score_pair(params, records[0], records[1])
    shared: dict = {}
    # The same score object explains both pairs, as a run shares one score among pairs of one pattern.
    for a, b in ((records[0], records[1]), (records[2], records[3]), (records[0], records[1])):
        assert explain(params, a, b, score, shared) == explain(params, a, b, score)
    assert explain(params, records[2], records[3], score, shared)["surname"]["a"] == "ALIEV"
    assert len(shared) == 2  # Karimov is frequent here, Aliev is not: two sets of weights


# --- Linking against the database ---------------------------------------------------------------


def _level(record: SourceRecord, field: str) -> str:
    return next(row.level for row in link_reason_rows(record=record) if row.field == field)


@pytest.mark.django_db
def test_the_same_person_across_cyrillic_and_latin_records_is_auto_linked_with_an_explanation():
    latin = receive(surname="KARIMOV", given_names="JASUR", document_number="FA1234567")
    link(latin)
    cyrillic = receive(
        surname="Каримов", given_names="Жасур", patronymic="Баходирович", document_number="FA1234567", system="MIGREG"
    )
    summary = link(cyrillic)

    assert summary.auto_linked == 1 and summary.new_persons == 0
    assert person_of(cyrillic) == person_of(latin)
    reason = link_of(cyrillic).reason
    assert "agree: surname (translit_equal" in reason["summary"]
    # The stored reason names the matched record instead of copying its values; read back, each
    # field shows its level, its weight and the two values compared.
    assert reason["matched_record"] == latin.pk
    assert "Каримов" not in str(reason) and "KARIMOV" not in str(reason)
    rows = {row.field: row for row in link_reason_rows(record=cyrillic)}
    assert (rows["surname"].level, rows["surname"].detail) == ("translit_equal", "Каримов ↔ KARIMOV")
    assert rows["surname"].weight > 0
    assert (rows["document_number"].level, rows["document_number"].detail) == ("exact", "FA1234567 ↔ FA1234567")
    assert "patronymic" not in rows  # missing on one side: not compared
    assert 0.999 <= link_of(cyrillic).score <= 1
    decision = LinkDecision.objects.get(record=cyrillic)
    assert decision.kind == LinkDecision.Kind.AUTO_LINK and decision.person_id == person_of(latin)


@pytest.mark.django_db
def test_a_new_record_links_incrementally_against_an_existing_person_and_disagreements_are_named():
    first = receive(surname="RAHMONOV", given_names="FIRDAVS", citizenship="TJK", document_number="412345678")
    link(first)
    renamed = receive(
        surname="Раҳмонзода",
        given_names="Фирдавс",
        citizenship="TJK",
        document_number="412345678",
        phone="+992901234567",
        system="PATENT",
    )
    summary = link(renamed)

    assert summary.auto_linked == 1
    assert person_of(renamed) == person_of(first)
    assert _level(renamed, "surname") == "variant"
    assert Person.objects.count() == 1


@pytest.mark.django_db
def test_a_batch_with_two_records_of_one_new_person_creates_one_person():
    border = receive(surname="ALIYEV", given_names="SHERZOD", document_number="FA7654321")
    migreg = receive(surname="Алиев", given_names="Шерзод", document_number="FA7654321", system="MIGREG")
    summary = link(border, migreg)

    assert summary.new_persons == 1 and summary.auto_linked == 1
    assert person_of(border) == person_of(migreg) is not None
    person = Person.objects.get()
    assert person.latin_surname == "ALIYEV" and person.cyrillic_surname == "Алиев"
    assert set(LinkDecision.objects.values_list("kind", flat=True)) == {"new_person", "auto_link"}


@pytest.mark.django_db
def test_twins_in_the_database_become_two_persons():
    hasan = receive(surname="KARIMOV", given_names="HASAN", birth_date=dt.date(1999, 1, 2), document_number="FA1000001")
    husan = receive(surname="KARIMOV", given_names="HUSAN", birth_date=dt.date(1999, 1, 2), document_number="FA5820374")
    link(hasan)
    summary = link(husan)

    assert summary.new_persons == 1
    assert person_of(hasan) != person_of(husan)
    assert not MatchCandidate.objects.exists()


@pytest.mark.django_db
def test_twins_with_consecutive_passports_go_to_review_at_most():
    hasan = receive(surname="KARIMOV", given_names="HASAN", birth_date=dt.date(1999, 1, 2), document_number="FA1000001")
    husan = receive(surname="KARIMOV", given_names="HUSAN", birth_date=dt.date(1999, 1, 2), document_number="FA1000002")
    link(hasan)
    link(husan)

    assert person_of(husan) != person_of(hasan)


@pytest.mark.django_db
def test_namesakes_in_the_database_become_two_persons():
    older = receive(surname="KARIMOV", given_names="JASUR", birth_date=dt.date(1985, 3, 4), document_number="FA2000001")
    younger = receive(
        surname="Каримов", given_names="Жасур", birth_date=dt.date(1996, 7, 8), document_number="FA2000002"
    )
    link(older)
    link(younger)

    assert person_of(older) != person_of(younger)


@pytest.mark.django_db
def test_a_mid_range_score_creates_a_match_candidate_and_the_record_stays_unlinked():
    known = receive(surname="TOSHMATOV", given_names="ULUGBEK", document_number="FA3000001")
    link(known)
    vague = receive(surname="Тошматов", given_names="Улугбек", birth_date=None, sex="", citizenship=None, system="FNS")
    summary = link(vague)

    assert summary.queued_for_review == 1
    assert person_of(vague) is None
    candidate = MatchCandidate.objects.get(record=vague)
    assert candidate.person_id == person_of(known)
    assert 0.5 <= candidate.score < 0.999
    assert candidate.explanation["given_names"]["level"] == "translit_equal"
    assert LinkDecision.objects.filter(record=vague, kind=LinkDecision.Kind.QUEUED).exists()


@pytest.mark.django_db
def test_an_already_linked_record_is_skipped():
    record = receive(surname="NAZAROV", given_names="DALER", citizenship="TJK", document_number="423456789")
    link(record)
    assert link(record).skipped == 1


@pytest.mark.django_db
def test_relink_all_runs_as_a_job_with_progress_and_is_idempotent(django_capture_on_commit_callbacks, officer):
    records = [
        receive(surname="KARIMOV", given_names="JASUR", document_number="FA4000001"),
        receive(surname="Каримов", given_names="Жасур", document_number="FA4000001", system="MIGREG"),
        receive(surname="TURSUNOV", given_names="AZIZ", birth_date=dt.date(1985, 1, 1), document_number="FA4000002"),
        receive(
            surname="Турсунов",
            given_names="Азиз",
            birth_date=dt.date(1985, 1, 1),
            document_number="FA4000002",
            system="PATENT",
        ),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        run = relink_request(user=officer)
    run.refresh_from_db()

    assert run.status == LinkRun.Status.DONE
    assert run.processed == run.total == len(records)
    assert run.new_persons == 2 and run.auto_linked == 2
    assert "m" in run.model_parameters and "prior" in run.model_parameters
    linked = dict(SourceRecord.objects.values_list("pk", "link__person_id"))
    assert linked[records[0].pk] == linked[records[1].pk] != linked[records[2].pk] == linked[records[3].pk]
    decisions = LinkDecision.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        again = relink_request(user=officer)
    again.refresh_from_db()

    assert again.status == LinkRun.Status.DONE
    assert again.new_persons == again.auto_linked == 0
    assert dict(SourceRecord.objects.values_list("pk", "link__person_id")) == linked
    assert LinkDecision.objects.count() == decisions
    assert Person.objects.count() == 2


@pytest.mark.django_db
def test_a_second_relink_is_refused_while_one_is_running():
    LinkRun.objects.create(status=LinkRun.Status.RUNNING)
    run = LinkRun.objects.create()

    run = relink_all(run_id=run.pk)

    assert run.status == LinkRun.Status.FAILED
    assert "Another re-link is running" in run.error


@pytest.mark.django_db
def test_relink_all_keeps_what_staff_decided(django_capture_on_commit_callbacks, officer):
    from linkage.decisions import record_attach

    karimov = receive(surname="KARIMOV", given_names="JASUR", document_number="FA5000001")
    tursunov = receive(
        surname="TURSUNOV", given_names="AZIZ", birth_date=dt.date(1970, 2, 3), document_number="FA5000002"
    )
    link(karimov, tursunov)
    assert person_of(karimov) != person_of(tursunov)
    record_attach(
        record=tursunov,
        person=linked_person(karimov),
        kind=LinkDecision.Kind.RELINK,
        user=officer,
        note="Same man, see file 12",
    )

    with django_capture_on_commit_callbacks(execute=True):
        run = relink_request(user=officer)
    run.refresh_from_db()
    tursunov.refresh_from_db()

    assert run.status == LinkRun.Status.DONE
    assert person_of(tursunov) == person_of(karimov)


# --- Linking all pending records in one pass (the path of a large file) ---------------------------


@pytest.mark.django_db
def test_linking_pending_records_in_one_pass_decides_as_the_incremental_linker():
    known = receive(surname="RAHMONOV", given_names="FIRDAVS", citizenship="TJK", document_number="412345678")
    vague_known = receive(surname="TOSHMATOV", given_names="ULUGBEK", document_number="FA3000001")
    hasan = receive(surname="KARIMOV", given_names="HASAN", birth_date=dt.date(1999, 1, 2), document_number="FA1000001")
    link(known, vague_known, hasan)
    persons_before = set(Person.objects.values_list("pk", flat=True))

    renamed = receive(
        surname="Раҳмонзода", given_names="Фирдавс", citizenship="TJK", document_number="412345678", system="PATENT"
    )
    border = receive(surname="ALIYEV", given_names="SHERZOD", document_number="FA7654321")
    migreg = receive(surname="Алиев", given_names="Шерзод", document_number="FA7654321", system="MIGREG")
    twin = receive(surname="KARIMOV", given_names="HUSAN", birth_date=dt.date(1999, 1, 2), document_number="FA5820374")
    vague = receive(surname="Тошматов", given_names="Улугбек", birth_date=None, sex="", citizenship=None, system="FNS")

    run = records_link_pending()

    for record in (renamed, border, migreg, twin, vague):
        record.refresh_from_db()
    assert (run.status, run.total, run.processed) == ("done", 5, 5)
    assert person_of(renamed) == person_of(known)
    assert _level(renamed, "surname") == "variant"
    assert person_of(border) == person_of(migreg) and person_of(border) not in persons_before
    assert person_of(twin) not in persons_before | {None, person_of(border)}
    assert person_of(vague) is None
    assert MatchCandidate.objects.get(record=vague).person_id == person_of(vague_known)
    assert (run.auto_linked, run.new_persons, run.queued_for_review) == (2, 2, 1)
    assert LinkDecision.objects.filter(record=renamed, kind="auto_link", person_id=person_of(known)).exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("foreign_keys_per_table", [True, False], ids=["keys-per-table", "keys-per-row"])
def test_one_pass_in_autocommit_writes_links_and_decisions_from_background_connections(
    monkeypatch, settings, foreign_keys_per_table
):
    from linkage import services

    # The same links either way, with the foreign keys checked per referenced table (PostgreSQL, a
    # role allowed to: `migrant_platform.foreign_keys`) or by each row's trigger.
    settings.BULK_FOREIGN_KEYS_PER_TABLE = foreign_keys_per_table

    # Two records per write chunk: the three pairs' links and decisions go out as several writes,
    # run by the background connections (on PostgreSQL) while the next chunk is explained.
    monkeypatch.setattr(services, "WRITE_CHUNK", 2)
    pairs = [
        (
            receive(surname="ALIYEV", given_names="SHERZOD", document_number="FA7654321"),
            receive(surname="Алиев", given_names="Шерзод", document_number="FA7654321", system="MIGREG"),
        ),
        (
            receive(surname="RAHMONOV", given_names="FIRDAVS", citizenship="TJK", document_number="412345678"),
            receive(surname="Раҳмонов", given_names="Фирдавс", citizenship="TJK", document_number="412345678"),
        ),
        (
            receive(
                surname="KARIMOV", given_names="HASAN", birth_date=dt.date(1999, 1, 2), document_number="FA1000001"
            ),
            receive(
                surname="Каримов", given_names="Хасан", birth_date=dt.date(1999, 1, 2), document_number="FA1000001"
            ),
        ),
    ]

    run = records_link_pending()

    assert (run.status, run.auto_linked, run.new_persons) == ("done", 3, 3)
    persons = set()
    for first, second in pairs:
        first.refresh_from_db()
        second.refresh_from_db()
        assert person_of(first) == person_of(second) is not None
        assert _level(second, "document_number") == "exact"
        persons.add(person_of(first))
    assert len(persons) == 3
    assert Counter(LinkDecision.objects.values_list("kind", flat=True)) == {"new_person": 3, "auto_link": 3}
    # The facts are written from another connection too, while the name keys are worked out.
    from profiles.models import IdentityDocument

    documents = IdentityDocument.objects.values_list("number_normalized", "person_id", "source_record_id")
    assert sorted(documents) == sorted((first.document_number, person_of(first), first.pk) for first, _second in pairs)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_chunk_whose_decisions_fail_keeps_none_of_its_links(monkeypatch):
    from linkage import services

    monkeypatch.setattr(services, "WRITE_CHUNK", 2)
    receive(surname="ALIYEV", given_names="SHERZOD", document_number="FA7654321")
    receive(surname="Алиев", given_names="Шерзод", document_number="FA7654321", system="MIGREG")
    real = services.tuples_insert

    def decisions_refused(model, columns, rows):
        if model is LinkDecision:
            raise IntegrityError("decisions refused")
        return real(model, columns, rows)

    monkeypatch.setattr(services, "tuples_insert", decisions_refused)

    run = records_link_pending()

    assert run.status == "failed"
    # Nothing linked without its decision: both records are still pending for the next run.
    assert not RecordLink.objects.exists()
    monkeypatch.setattr(services, "tuples_insert", real)
    again = records_link_pending()
    assert (again.status, again.total) == ("done", 2)
    assert RecordLink.objects.count() == 2
    assert not SourceRecord.objects.filter(link__isnull=False, link_decisions__isnull=True).exists()


@pytest.mark.django_db
def test_persons_created_in_one_pass_get_the_name_keys_of_all_their_records():
    from linkage.services import _refresh_name_keys
    from profiles.models import PersonNameKey
    from profiles.names import name_key

    border = receive(surname="ALIYEV", given_names="SHERZOD", document_number="FA7654321")
    migreg = receive(surname="Алиев", given_names="Шерзод", document_number="FA7654321", system="MIGREG")
    records_link_pending()
    border.refresh_from_db()
    migreg.refresh_from_db()
    assert person_of(border) == person_of(migreg) is not None

    written = set(PersonNameKey.objects.filter(person_id=person_of(border)).values_list("key", flat=True))
    _refresh_name_keys([person_of(border)])  # the path that reads the person and its records back
    recomputed = set(PersonNameKey.objects.filter(person_id=person_of(border)).values_list("key", flat=True))

    assert written == recomputed
    assert {name_key("ALIYEV"), name_key("Алиев"), name_key("SHERZOD")} <= written


@pytest.mark.django_db
def test_a_first_large_delivery_counts_the_frequent_names_for_the_linkers_after_it(monkeypatch):
    from linkage import services

    monkeypatch.setattr(services, "MIN_RECORDS_TO_ESTIMATE", 3)
    receive(surname="KARIMOV", given_names="JASUR", document_number="FA1000001")
    receive(surname="KARIMOV", given_names="JASUR", birth_date=dt.date(1985, 1, 2), document_number="FA1000002")
    receive(surname="TOSHMATOV", given_names="ULUGBEK", birth_date=dt.date(1970, 3, 4), document_number="FA1000003")

    run = records_link_pending()

    frequencies = LinkRun.objects.get(pk=run.pk).model_parameters["frequencies"]
    assert frequencies["surname"]["KARIMOV"] == pytest.approx(2 / 3, abs=1e-6)
    assert services.current_parameters().frequencies == frequencies


@pytest.mark.django_db
def test_linking_pending_records_again_finds_nothing_to_do():
    receive(surname="ALIYEV", given_names="SHERZOD", document_number="FA7654321")
    receive(surname="Тошматов", given_names="Улугбек", birth_date=None, sex="", citizenship=None, system="FNS")
    first = records_link_pending()
    decisions = LinkDecision.objects.count()

    second = records_link_pending()

    assert first.total == 2 and second.total == 0
    assert LinkDecision.objects.count() == decisions


@pytest.mark.django_db
def test_a_record_linked_in_one_pass_gets_its_facts():
    from profiles.models import BorderCrossing
    from profiles.services import source_record_receive as store

    payload = {
        **person_row("B-77"),
        "record_type": "border_crossing",
        "direction": "entry",
        "crossed_on": "2025-03-01",
        "checkpoint": "Домодедово",
        "purpose": "work",
    }
    record = store(
        source_system=SourceSystem.objects.get(code="BORDER"),
        source_record_id="B-77",
        payload=payload,
        surname="Каримов",
        given_names="Жасур",
        birth_date=dt.date(1990, 5, 17),
        sex="M",
        citizenship=Country.objects.get(pk="UZB"),
        document_type="passport",
        document_number="FA1234567",
    )

    records_link_pending()

    record.refresh_from_db()
    crossing = BorderCrossing.objects.get(source_record=record)
    assert crossing.person_id == person_of(record) is not None
    assert crossing.crossed_on == dt.date(2025, 3, 1)


@pytest.mark.django_db
def test_candidate_persons_are_found_by_every_blocking_key_alike_in_sql_and_in_the_orm():
    from django.db import connection

    from linkage.blocking import _candidate_person_ids_orm, _candidate_person_ids_postgresql, candidate_person_ids
    from profiles.models import PersonNameKey
    from profiles.names import name_key

    by_document = receive(surname="ALIYEV", given_names="SHERZOD", document_number="FA7654321")
    by_phone = receive(surname="NURMATOV", given_names="BOTIR", phone="+79161234567")
    by_date_and_citizenship = receive(surname="HAKOBYAN", given_names="ARMEN", citizenship="ARM")
    by_date_and_prefix = receive(surname="KARIMOV", given_names="JASUR", birth_date=dt.date(1985, 3, 3))
    by_names = receive(surname="TOSHMATOV", given_names="ULUGBEK", birth_date=dt.date(1970, 1, 1))
    unrelated = receive(surname="PETROV", given_names="IVAN", birth_date=dt.date(1960, 6, 6), citizenship="BLR")
    link(by_document, by_phone, by_date_and_citizenship, by_date_and_prefix, by_names, unrelated)
    # A name pair held by more persons than the cap finds nobody by names alone.
    crowded = [
        Person.objects.create(
            latin_surname="RUSTAMOV", birth_date=dt.date(1950 + i, 1, 1), sex="M", citizenship_id="UZB"
        )
        for i in range(51)
    ]
    keys = (name_key("RUSTAMOV"), name_key("ALISHER"))
    PersonNameKey.objects.bulk_create([PersonNameKey(person=person, key=key) for person in crowded for key in keys])
    new = [
        RecordView(id=1, surname="Алиев", given_names="Ш.", document_number="FA7654321"),
        RecordView(id=2, surname="Нурматов", given_names="Ботир", phone="+79161234567"),
        RecordView(id=3, surname="Акопян", given_names="Армен", birth_date=dt.date(1990, 5, 17), citizenship="ARM"),
        RecordView(id=4, surname="Каримов", given_names="Жасур", birth_date=dt.date(1985, 3, 3)),
        RecordView(id=5, surname="Тошматов", given_names="Улугбек", birth_date=dt.date(2001, 2, 2)),
        RecordView(id=6, surname="RUSTAMOV", given_names="ALISHER", birth_date=dt.date(2002, 2, 2)),
    ]

    expected = {
        person_of(by_document),
        person_of(by_phone),
        person_of(by_date_and_citizenship),
        person_of(by_date_and_prefix),
        person_of(by_names),
    }
    assert candidate_person_ids(new) == expected
    assert _candidate_person_ids_orm(new) == expected
    if connection.vendor == "postgresql":
        assert _candidate_person_ids_postgresql(new) == expected


@pytest.mark.django_db
def test_a_link_run_collects_garbage_rarely_and_gives_the_thresholds_back_after(monkeypatch):
    import gc

    from linkage import services
    from migrant_platform.bulk import BULK_GC_THRESHOLDS

    before = gc.get_threshold()
    receive(surname="ALIYEV", given_names="SHERZOD", document_number="FA7654321")
    receive(surname="Алиев", given_names="Шерзод", document_number="FA7654321", system="MIGREG")
    thresholds_while_linking = []
    real = services.link_views

    def link_views_observed(*args, **kwargs):
        thresholds_while_linking.append(gc.get_threshold())
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "link_views", link_views_observed)

    run = records_link_pending()

    assert (run.status, run.total) == ("done", 2)
    assert thresholds_while_linking == [BULK_GC_THRESHOLDS]
    assert gc.get_threshold() == before
