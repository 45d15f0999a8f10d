from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from audit.models import AccessLog
from linkage.merge import person_merge
from linkage.models import LinkDecision, MatchCandidate
from linkage.review import candidate_accept, candidate_reject, explanation_rows
from profiles.models import IdentityDocument, Person, SourceRecord
from profiles.services import source_record_receive
from profiles.tests.factories import country, link_of, linked_person, make_person, make_record
from reference.models import SourceSystem

pytestmark = pytest.mark.django_db

_numbers = itertools.count(1)

# As `linkage.model.explain` writes it.
EXPLANATION = {
    "surname": {"level": "translit_equal", "weight": 6.1, "a": "КАРИМОВ", "b": "KARIMOV"},
    "given_names": {"level": "close", "weight": 1.2, "a": "ЖАСУР", "b": "JASUR"},
    "birth_date": {"level": "exact", "weight": 5.3, "a": "1990-05-17", "b": "1990-05-17"},
    "document_number": {"level": "missing", "weight": 0.0, "a": "", "b": ""},
    "phone": {"level": "different", "weight": -2.4, "a": "+998901112233", "b": "+998907654321"},
    "match_weight": 10.2,
    "probability": 0.8,
    "outcome": "review",
    "summary": "agree: surname (translit_equal +6.1), ...; disagree: phone (different -2.4); probability 0.8000",
}


def receive(system: str = "MIGREG", **fields: Any) -> SourceRecord:
    """An unlinked agency record in the exchange format, as the ingestion stores it."""
    identity: dict[str, Any] = {
        "surname": "КАРИМОВ",
        "given_names": "ЖАСУР",
        "birth_date": dt.date(1990, 5, 17),
        "sex": "M",
        "citizenship": "UZB",
    }
    identity.update(fields)
    record_id = f"{system}-R{next(_numbers)}"
    payload = {"source_system": system, "source_record_id": record_id}
    payload |= {key: value.isoformat() if isinstance(value, dt.date) else value for key, value in identity.items()}
    return source_record_receive(
        source_system=SourceSystem.objects.get(code=system),
        source_record_id=record_id,
        payload=payload,
        **{**identity, "citizenship": country(identity["citizenship"])},
    )


def candidate(record: SourceRecord, person: Person, score: float = 0.8) -> MatchCandidate:
    # The linker's write; the queue itself has no other way in.
    return MatchCandidate.objects.create(record=record, person=person, score=score, explanation=EXPLANATION)


@pytest.fixture
def reviewer(superuser):
    return superuser


@pytest.fixture
def karimov() -> Person:
    person = make_person(latin_surname="KARIMOV", latin_given_names="JASUR")
    make_record(system="BORDER", person=person, surname="KARIMOV", given_names="JASUR")
    return person


class TestAccept:
    def test_accepting_links_the_record_and_records_who_when_and_why(self, karimov, reviewer):
        record = receive(document_type="passport", document_number="AA 123 45 67")
        queued = candidate(record, karimov)

        candidate_accept(candidate=queued, user=reviewer, note="Same passport photo in the MIGREG file")

        queued.refresh_from_db()
        record.refresh_from_db()
        assert (queued.status, queued.decided_by, queued.decision_note) == (
            "accepted",
            reviewer,
            "Same passport photo in the MIGREG file",
        )
        assert queued.decided_at is not None
        link = link_of(record)
        assert (link.person, link.score, link.reason) == (karimov, 0.8, EXPLANATION)
        decision = LinkDecision.objects.get(kind=LinkDecision.Kind.ACCEPT)
        assert (decision.record, decision.person, decision.decided_by, decision.reason) == (
            record,
            karimov,
            reviewer,
            "Same passport photo in the MIGREG file",
        )
        # The record's facts are materialized for the person: here, its passport.
        assert IdentityDocument.objects.get(source_record=record).person == karimov

    def test_accepting_closes_the_other_pending_candidates_of_the_record(self, karimov, reviewer):
        record = receive()
        namesake = make_person(latin_surname="KARIMOV", latin_given_names="JASUR", birth_date=dt.date(1990, 5, 18))
        chosen, other = candidate(record, karimov, 0.9), candidate(record, namesake, 0.7)

        candidate_accept(candidate=chosen, user=reviewer, note="Birth date matches")

        other.refresh_from_db()
        assert other.status == "rejected"
        assert other.decided_by == reviewer
        assert f"candidate {chosen.pk} was accepted" in other.decision_note
        assert LinkDecision.objects.filter(kind="reject", person=namesake, record=record).exists()

    def test_accepting_a_candidate_whose_person_was_merged_links_to_the_survivor(self, karimov, reviewer):
        duplicate = make_person(latin_surname="KARIMOV", latin_given_names="JASUR")
        record = receive()
        queued = candidate(record, duplicate)
        person_merge(survivor=karimov, absorbed=duplicate, user=reviewer, reason="Same person")

        candidate_accept(candidate=queued, user=reviewer, note="Same person")

        assert linked_person(record) == karimov

    def test_a_decision_needs_a_note(self, karimov, reviewer):
        queued = candidate(receive(), karimov)

        with pytest.raises(ValidationError, match="needs a note"):
            candidate_accept(candidate=queued, user=reviewer, note="   ")
        queued.refresh_from_db()
        assert queued.status == "pending"

    def test_a_candidate_is_decided_once(self, karimov, reviewer):
        queued = candidate(receive(), karimov)
        candidate_accept(candidate=queued, user=reviewer, note="Same")

        with pytest.raises(ValidationError, match="already decided"):
            candidate_reject(candidate=queued, user=reviewer, note="Different after all")


class TestReject:
    def test_rejecting_records_who_when_and_why(self, karimov, reviewer):
        record = receive()
        queued = candidate(record, karimov)

        candidate_reject(candidate=queued, user=reviewer, note="Different father's name in the file")

        queued.refresh_from_db()
        assert (queued.status, queued.decided_by, queued.decision_note) == (
            "rejected",
            reviewer,
            "Different father's name in the file",
        )
        assert queued.decided_at is not None
        decision = LinkDecision.objects.get(kind=LinkDecision.Kind.REJECT)
        assert (decision.record, decision.person, decision.decided_by, decision.score) == (
            record,
            karimov,
            reviewer,
            0.8,
        )

    def test_rejecting_the_last_candidate_makes_the_record_a_new_person(self, karimov, reviewer):
        record = receive(patronymic="БАХТИЁРОВИЧ", phone="+998901234567")
        queued = candidate(record, karimov)

        candidate_reject(candidate=queued, user=reviewer, note="Twin brother")

        person = linked_person(record)
        assert person is not None and person != karimov
        assert (person.cyrillic_surname, person.cyrillic_given_names, person.cyrillic_patronymic) == (
            "КАРИМОВ",
            "ЖАСУР",
            "БАХТИЁРОВИЧ",
        )
        assert (person.birth_date, person.sex, person.citizenship_id, person.phone) == (
            dt.date(1990, 5, 17),
            "M",
            "UZB",
            "+998901234567",
        )
        decision = LinkDecision.objects.get(kind=LinkDecision.Kind.NEW_PERSON)
        assert (decision.record, decision.person, decision.decided_by) == (record, person, reviewer)
        assert "Twin brother" in decision.reason

    def test_rejecting_one_of_two_candidates_leaves_the_record_pending(self, karimov, reviewer):
        record = receive()
        other_person = make_person(latin_surname="KARIMOV", latin_given_names="JASUR")
        first, second = candidate(record, karimov), candidate(record, other_person)
        persons = Person.objects.count()

        candidate_reject(candidate=first, user=reviewer, note="Different birth place")

        second.refresh_from_db()
        assert linked_person(record) is None
        assert second.status == "pending"
        assert Person.objects.count() == persons


class TestExplanation:
    def test_explanation_rows_carry_level_weight_and_a_tone_for_colour(self):
        rows = {row.field: row for row in explanation_rows(EXPLANATION)}

        assert (rows["surname"].level, rows["surname"].weight, rows["surname"].tone) == ("translit_equal", 6.1, "agree")
        assert rows["surname"].detail == "КАРИМОВ ↔ KARIMOV"
        assert rows["phone"].tone == "disagree"
        assert rows["document_number"].tone == "neutral"
        assert set(rows) == {"surname", "given_names", "birth_date", "document_number", "phone"}

    def test_explanation_rows_also_read_a_list_of_fields(self):
        explanation = {"fields": [{"field": "sex", "level": "exact", "weight": 0.4}], "total": 9.1}

        assert [(row.field, row.tone) for row in explanation_rows(explanation)] == [("sex", "agree")]
        assert explanation_rows("not a mapping") == []


class TestReviewAdmin:
    @pytest.fixture
    def client_with_purpose(self, client, reviewer, karimov):
        client.force_login(reviewer)
        client.post(
            reverse("admin:audit_accesslog_purpose", args=[karimov.pk]),
            {"purpose": "data_quality", "reference": "REVIEW-1", "next": "/admin/"},
        )
        return client

    def test_the_queue_lists_pending_candidates_first_with_a_bounded_number_of_queries(
        self, client, reviewer, karimov, django_assert_max_num_queries
    ):
        client.force_login(reviewer)
        decided = candidate(receive(), karimov, 0.95)
        candidate_reject(candidate=decided, user=reviewer, note="Different")
        pending = [candidate(receive(), karimov, score) for score in (0.6, 0.7, 0.8, 0.85)]

        with django_assert_max_num_queries(8):
            response = client.get(reverse("admin:linkage_matchcandidate_changelist"))

        listed = list(response.context["cl"].result_list)
        assert [c.pk for c in listed[:4]] == [c.pk for c in sorted(pending, key=lambda c: -c.score)]
        assert listed[-1].pk == decided.pk

    def test_the_review_page_asks_for_a_purpose_first(self, client, reviewer, karimov):
        client.force_login(reviewer)
        queued = candidate(receive(), karimov)

        response = client.get(reverse("admin:linkage_matchcandidate_change", args=[queued.pk]))

        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:audit_accesslog_purpose", args=[karimov.pk]))

    def test_the_review_page_shows_record_and_person_side_by_side_in_a_bounded_number_of_queries(
        self, client_with_purpose, karimov, django_assert_max_num_queries
    ):
        for index in range(25):  # more linked records than the page shows
            make_record(system="PATENT", person=karimov, surname="KARIMOV", source_record_id=f"P-{index}")
        record = receive(phone="+998901112233")
        queued = candidate(record, karimov)
        logged = AccessLog.objects.count()

        with django_assert_max_num_queries(14):
            response = client_with_purpose.get(reverse("admin:linkage_matchcandidate_change", args=[queued.pk]))

        assert response.status_code == 200
        page = response.content.decode()
        assert "КАРИМОВ" in page and "KARIMOV" in page  # the record's spelling and the person's
        assert record.source_record_id in page  # the verbatim payload
        assert 'class="tone-disagree"' in page and 'class="tone-agree"' in page
        assert 'value="accept"' in page and 'value="reject"' in page
        comparison = response.context["comparison"]
        assert comparison.person_record_count == 26
        assert len(comparison.person_records) == 20
        assert AccessLog.objects.count() == logged + 1

    def test_accepting_through_the_admin_links_the_record(self, client_with_purpose, karimov, reviewer):
        record = receive()
        queued = candidate(record, karimov)

        response = client_with_purpose.post(
            reverse("admin:linkage_matchcandidate_change", args=[queued.pk]),
            {"decision": "accept", "note": "Same passport photo"},
        )

        assert response.status_code == 302
        queued.refresh_from_db()
        record.refresh_from_db()
        assert (queued.status, queued.decided_by, queued.decision_note) == ("accepted", reviewer, "Same passport photo")
        assert linked_person(record) == karimov

    def test_rejecting_through_the_admin_needs_a_note(self, client_with_purpose, karimov):
        queued = candidate(receive(), karimov)
        url = reverse("admin:linkage_matchcandidate_change", args=[queued.pk])

        refused = client_with_purpose.post(url, {"decision": "reject", "note": ""})
        queued.refresh_from_db()
        assert refused.status_code == 200
        assert queued.status == "pending"

        response = client_with_purpose.post(url, {"decision": "reject", "note": "Different people"})
        queued.refresh_from_db()
        assert response.status_code == 302
        assert (queued.status, queued.decision_note) == ("rejected", "Different people")


class TestDecisionLogAndRunsAdmin:
    def test_the_decision_log_is_a_read_only_list_with_a_bounded_number_of_queries(
        self, client, reviewer, karimov, django_assert_max_num_queries
    ):
        client.force_login(reviewer)
        for _ in range(5):
            candidate_reject(candidate=candidate(receive(), karimov), user=reviewer, note="Different people")
        url = reverse("admin:linkage_linkdecision_changelist")

        with django_assert_max_num_queries(10):
            response = client.get(url, {"kind": "reject"})

        assert response.status_code == 200
        assert len(response.context["cl"].result_list) == 5
        assert client.get(reverse("admin:linkage_linkdecision_add")).status_code == 403
        decision = LinkDecision.objects.first()
        assert client.post(reverse("admin:linkage_linkdecision_delete", args=[decision.pk])).status_code == 403

    def test_the_decision_log_filters_by_person_and_by_decider(self, client, reviewer, karimov):
        client.force_login(reviewer)
        candidate_reject(candidate=candidate(receive(), karimov), user=reviewer, note="Different people")

        by_person = client.get(reverse("admin:linkage_linkdecision_changelist"), {"q": str(karimov.pk)})
        by_linker = client.get(reverse("admin:linkage_linkdecision_changelist"), {"decided_by": "auto"})

        assert {d.kind for d in by_person.context["cl"].result_list} == {"reject"}
        assert [d.kind for d in by_linker.context["cl"].result_list] == []

    def test_runs_show_their_progress(self, client, reviewer):
        from linkage.models import LinkRun

        client.force_login(reviewer)
        LinkRun.objects.create(status=LinkRun.Status.DONE, total=200, processed=50)

        response = client.get(reverse("admin:linkage_linkrun_changelist"))

        assert "50 / 200 (25.0%)" in response.content.decode()
        assert reverse("admin:linkage_linkrun_relink") in response.content.decode()

    def test_the_relink_button_starts_a_run_or_says_why_it_cannot(self, client, reviewer, monkeypatch):
        from linkage import views

        client.force_login(reviewer)
        url = reverse("admin:linkage_linkrun_relink")
        requested = []
        monkeypatch.setattr(views, "_relink_request", lambda: None)

        missing = client.post(url, follow=True)
        monkeypatch.setattr(views, "_relink_request", lambda: lambda *, user: requested.append(user))
        started = client.post(url, follow=True)

        assert "not available yet" in missing.content.decode()
        assert "Full re-link queued" in started.content.decode()
        assert requested == [reviewer]
        assert client.get(url).status_code == 403  # POST only
