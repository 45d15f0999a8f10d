"""Linking writes: incremental linking of new records, and the full re-link run as a background job.

Both run the same in-memory pipeline (`linkage.model.link_views`: block, score, cluster) and differ
in how they read and write:

* `records_link` (called by the exchange app after each ingested chunk) fetches only the persons
  the new records block with, on indexed columns, and writes each decision through
  `linkage.decisions.record_attach`, which also materializes the record's facts;
* `relink_all` reads every record once, estimates the model on the data, scores in memory and
  writes with bulk updates, so a million records cost a few dozen queries per stage, not several
  per record.

Staff decisions are constraints, never overwritten: a record a person attached (accepted, moved,
merged) stays with that person, and a rejected candidate pair never ends up in one person.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, transaction
from django.db.models import CharField, Exists, OuterRef, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.utils import timezone

from exchange.facts import StatedDocument
from linkage.blocking import candidate_person_ids
from linkage.compare import RecordView
from linkage.decisions import FACT_MODELS, record_attach
from linkage.model import (
    DEFAULT_PARAMETERS,
    LinkageResult,
    ModelParameters,
    PairScore,
    explain,
    link_reason,
    link_views,
    name_frequencies,
)
from linkage.models import LinkDecision, LinkRun, MatchCandidate
from linkage.normalize import has_cyrillic
from migrant_platform.bulk import (
    BackgroundWrites,
    JsonText,
    few_garbage_collections,
    json_text,
    statistics_refresh_if_stale,
    tuples_insert,
    tuples_insert_new,
    update_from_rows,
    values_insert_returning_ids,
    values_rows,
)
from migrant_platform.foreign_keys import foreign_keys_checked_per_table
from profiles.models import IdentityDocument, Person, PersonNameKey, RecordLink, SourceRecord
from profiles.names import name_keys
from profiles.services import person_create, person_rebuild_stays
from reference.models import Country

logger = logging.getLogger(__name__)

RECORD_FIELDS = ("id", *SourceRecord.IDENTITY_FIELDS)
# How many records a re-link reads, updates or creates per query.
CHUNK = 5_000
# How many link updates and decisions go to the database in one statement each (a staging table
# per statement: fewer, larger ones cost less).
WRITE_CHUNK = 50_000
# Below this many records a re-link keeps the current parameters instead of estimating them.
MIN_RECORDS_TO_ESTIMATE = 10_000


@dataclass
class LinkSummary:
    auto_linked: int = 0
    queued_for_review: int = 0
    new_persons: int = 0
    skipped: int = 0
    failed: int = 0
    person_ids: list[int] = field(default_factory=list)


def record_view(values: Sequence[Any]) -> RecordView:
    """A record as the linker sees it, from a row of its RECORD_FIELDS values in order (tuples, not
    dicts: 200,000 pending records read in 1.5 s instead of 2.7 s)."""
    pk, surname, given_names, patronymic, birth_date, sex, citizenship, document_type, number, phone, tax_id = values
    return RecordView(
        pk, surname, given_names, patronymic, birth_date, sex, citizenship or "", document_type, number, phone, tax_id
    )


def person_views(person: Person) -> list[RecordView]:
    """A person's canonical values as records, for a person no record is linked to yet."""
    views = []
    common = {
        "birth_date": person.birth_date,
        "sex": person.sex,
        "citizenship": person.citizenship_id,
        "phone": person.phone,
    }
    if person.cyrillic_surname:
        views.append(
            RecordView(
                id=("person", person.pk, "cyrillic"),
                surname=person.cyrillic_surname,
                given_names=person.cyrillic_given_names,
                patronymic=person.cyrillic_patronymic,
                **common,
            )
        )
    if person.latin_surname:
        views.append(
            RecordView(
                id=("person", person.pk, "latin"),
                surname=person.latin_surname,
                given_names=person.latin_given_names,
                **common,
            )
        )
    return views


def current_parameters() -> ModelParameters:
    """The parameters estimated by the last finished re-link, or the shipped defaults."""
    run = (
        LinkRun.objects.filter(status=LinkRun.Status.DONE)
        .exclude(model_parameters={})
        .order_by("-finished_at", "-id")
        .first()
    )
    if run is not None and "m" in run.model_parameters:
        return ModelParameters.from_json(run.model_parameters)
    return DEFAULT_PARAMETERS


# --- Choosing a new person's canonical values ----------------------------------------------------


def _person_fields(records: Sequence[RecordView]) -> dict[str, Any] | None:
    """Canonical values for a new person from its records, or None when they lack a citizenship,
    a birth date or a sex (then a person decides). Names: Cyrillic and Latin from the first record
    in each script."""
    citizenship = next((r.citizenship for r in records if r.citizenship), "")
    birth_date = next((r.birth_date for r in records if r.birth_date), None)
    sex = next((r.sex for r in records if r.sex in ("M", "F")), "")
    if not citizenship or birth_date is None or not sex:
        return None
    fields: dict[str, Any] = {"citizenship_id": citizenship, "birth_date": birth_date, "sex": sex}
    cyrillic = next((r for r in records if r.surname and has_cyrillic(r.surname)), None)
    latin = next((r for r in records if r.surname and not has_cyrillic(r.surname)), None)
    if cyrillic is not None:
        fields["cyrillic_surname"] = cyrillic.surname[:100]
        fields["cyrillic_given_names"] = cyrillic.given_names[:150]
        fields["cyrillic_patronymic"] = cyrillic.patronymic[:150]
    if latin is not None:
        fields["latin_surname"] = latin.surname[:100]
        fields["latin_given_names"] = latin.given_names[:150]
    if cyrillic is None and latin is None:
        return None
    fields["phone"] = next((r.phone for r in records if r.phone), "")
    return fields


def _new_person_reason(result: LinkageResult, node: int) -> dict[str, Any]:
    best = max((score.probability for _, score in result.clustering.review_of.get(node, ())), default=None)
    summary = "No existing person scored above the review threshold: a new person."
    reason: dict[str, Any] = {"summary": summary, "outcome": "new"}
    if best is not None:
        reason["best_probability"] = round(best, 6)
    return reason


def _link_reason(
    result: LinkageResult, node: int, shared: dict[tuple, dict[str, Any]] | None = None
) -> tuple[float, dict]:
    """The score and explanation of the strongest link that brought node into its person."""
    other, score = result.clustering.best_edge[node]
    matched = result.nodes[other]
    if isinstance(matched.id, int):
        reason = link_reason(result.params, result.nodes[node], score, shared)
    else:
        # Matched on a person's canonical values, which staff may edit later (a record's are
        # write-once): the values compared are kept in the explanation.
        reason = explain(result.params, result.nodes[node], matched, score, shared)
    reason["matched_record"] = _record_id(matched.id)
    return score.probability, reason


def _record_id(view_id: Any) -> Any:
    return view_id if isinstance(view_id, int) else list(view_id)


# --- Incremental linking -------------------------------------------------------------------------


def records_link(*, record_ids: list[int]) -> LinkSummary:
    """Link new (unlinked) records against existing persons and against each other.

    Each record auto-links to a person, goes to the review queue (a MatchCandidate and a `queued`
    decision; the record stays unlinked), or starts a new person. Records of one new person in the
    same batch are clustered first, so they create one person, not two.
    """
    summary = LinkSummary()
    rows = list(
        SourceRecord.objects.filter(pk__in=record_ids, link__isnull=True)
        .order_by("received_at", "id")
        .values_list(*RECORD_FIELDS)
    )
    summary.skipped = len(set(record_ids)) - len(rows)
    if not rows:
        return summary
    new_views = [record_view(row) for row in rows]
    known_views, known_persons = _known_views(candidate_person_ids(new_views))
    views = new_views + known_views
    result = link_views(views, params=current_parameters(), persons=[None] * len(new_views) + known_persons)
    _apply_incremental(result, new_views, summary)
    return summary


def _known_views(person_ids: set[int]) -> tuple[list[RecordView], list[int]]:
    """The records of these (unmerged) persons as the linker sees them, each with its person; a person
    no record is linked to yet is seen through its canonical values (`person_views`)."""
    ids = sorted(person_ids)
    rows: list[tuple] = []
    for start in range(0, len(ids), CHUNK):
        rows += SourceRecord.objects.filter(
            link__person_id__in=ids[start : start + CHUNK], link__person__merged_into__isnull=True
        ).values_list(*RECORD_FIELDS, "link__person_id")
    views = [record_view(row[:-1]) for row in rows]
    persons = [row[-1] for row in rows]
    with_records = set(persons)
    without = [pk for pk in ids if pk not in with_records]
    for start in range(0, len(without), CHUNK):
        for person in Person.objects.filter(pk__in=without[start : start + CHUNK], merged_into__isnull=True):
            for view in person_views(person):
                views.append(view)
                persons.append(person.pk)
    return views, persons


def _apply_incremental(result: LinkageResult, new_views: list[RecordView], summary: LinkSummary) -> None:
    members: dict[int, list[int]] = defaultdict(list)
    for position in range(len(new_views)):
        members[result.person_of[position]].append(position)
    records = SourceRecord.objects.in_bulk([view.id for view in new_views])
    created: dict[int, Person] = {}
    persons_cache: dict[int, Person] = {}

    def person(pk: int) -> Person:
        if pk not in persons_cache:
            persons_cache[pk] = Person.objects.get(pk=pk)
        return persons_cache[pk]

    for position, view in enumerate(new_views):
        record = records[view.id]
        try:
            # One savepoint per record: a record whose facts cannot be materialized stays unlinked
            # (nothing is lost, its payload is kept) and does not stop the rest of the batch.
            with transaction.atomic():
                new_person = _link_one(result, position, record, new_views, members, created, person, summary)
        except Exception:
            logger.exception("Record %s could not be linked", record.pk)
            summary.failed += 1
            continue
        if new_person is not None:
            created[result.person_of[position]] = new_person


def _link_one(
    result: LinkageResult,
    position: int,
    record: SourceRecord,
    new_views: list[RecordView],
    members: dict[int, list[int]],
    created: dict[int, Person],
    person: Callable[[int], Person],
    summary: LinkSummary,
) -> Person | None:
    """Decide and write one record; returns the person it created, if any."""
    node = result.node_of[position]
    root = result.person_of[position]
    existing = result.clustering.persons.get(root)
    if existing is not None or root in created:
        target = person(existing) if existing is not None else created[root]
        score, reason = _link_or_duplicate_reason(result, node)
        record_attach(record=record, person=target, kind=LinkDecision.Kind.AUTO_LINK, score=score, reason=reason)
        summary.auto_linked += 1
        summary.person_ids.append(target.pk)
        return None
    if len(members[root]) == 1 and _queue_for_review(result, node, record, summary, created):
        return None
    fields = _person_fields([new_views[p] for p in members[root]])
    if fields is None:
        _queue_without_person(record, summary)
        return None
    fields["citizenship"] = Country.objects.get(pk=fields.pop("citizenship_id"))
    new_person = person_create(**fields)
    record_attach(
        record=record, person=new_person, kind=LinkDecision.Kind.NEW_PERSON, reason=_new_person_reason(result, node)
    )
    summary.new_persons += 1
    summary.person_ids.append(new_person.pk)
    return new_person


def _link_or_duplicate_reason(result: LinkageResult, node: int) -> tuple[float, dict]:
    if node in result.clustering.best_edge:
        return _link_reason(result, node)
    # Identical in every identity field to a record already linked or linked just before.
    return 1.0, {"summary": "Identical identity fields to a record of this person.", "outcome": "auto_link"}


def _queue_for_review(
    result: LinkageResult, node: int, record: SourceRecord, summary: LinkSummary, created: dict[int, Person]
) -> bool:
    """A record whose best pair is between the thresholds goes to review against that pair's person."""
    best: tuple[PairScore, int] | None = None
    for other, score in result.clustering.review_of.get(node, ()):
        root = result.clustering.cluster_of[other]
        person_id = result.clustering.persons.get(root)
        if person_id is None and root in created:
            person_id = created[root].pk
        if person_id is None:
            continue
        if best is None or score.probability > best[0].probability:
            best = (score, person_id)
            best_other = other
    if best is None:
        return False
    score, person_id = best
    explanation = explain(result.params, result.nodes[node], result.nodes[best_other], score)
    MatchCandidate.objects.get_or_create(
        record=record,
        person_id=person_id,
        defaults={"score": score.probability, "explanation": explanation},
    )
    LinkDecision.objects.create(
        kind=LinkDecision.Kind.QUEUED,
        record=record,
        person_id=person_id,
        score=score.probability,
        reason=explanation["summary"],
    )
    summary.queued_for_review += 1
    return True


def _queue_without_person(record: SourceRecord, summary: LinkSummary) -> None:
    LinkDecision.objects.create(
        kind=LinkDecision.Kind.QUEUED,
        record=record,
        reason="No person matched, and the record lacks a citizenship, birth date or sex to start one: "
        "a person must decide.",
    )
    summary.queued_for_review += 1


# --- Linking a large delivery at once --------------------------------------------------------------


def _pending(records: QuerySet[SourceRecord]) -> QuerySet[SourceRecord]:
    """Records waiting to be linked: unlinked, and with no decision yet (a record sent to review has
    one, and waits for a reviewer instead)."""
    return records.exclude(Exists(RecordLink.objects.filter(record_id=OuterRef("pk")))).exclude(
        Exists(LinkDecision.objects.filter(record_id=OuterRef("pk")))
    )


def records_link_pending(*, run_id: int | None = None) -> LinkRun:
    """Link every pending record in one pass, as a LinkRun with progress: the path for a large file.

    The same decisions as `records_link` (new records against the persons they block with, found in
    SQL, and against each other), written the way the full re-link writes: bulk inserts of persons
    and decisions, `UPDATE ... FROM (VALUES ...)` of the links. A million records cost a few hundred
    queries instead of a few dozen per record. Existing persons keep their records; two existing
    persons are never merged. Shares the one-running-at-a-time rule with the re-link. Without a
    `run_id` it opens its own run.
    """
    if run_id is None:
        run_id = LinkRun.objects.create(kind=LinkRun.Kind.PENDING).pk
    return _run_job(run_id, _link_pending)


class _Stages(dict):
    """Seconds spent per stage of a run, for the run's log line (where a large file's time goes)."""

    @contextlib.contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self[name] = self.get(name, 0.0) + time.perf_counter() - started

    def __str__(self) -> str:
        return ", ".join(f"{name} {seconds:.1f} s" for name, seconds in self.items())


def _link_pending(run: LinkRun) -> None:
    now = timezone.now()
    stage = _Stages()
    with stage("statistics"):
        # A large delivery has just been stored: the read below is planned on the records'
        # statistics, stale until analyzed (autovacuum may not have run yet).
        statistics_refresh_if_stale(SourceRecord, LinkDecision, Person)
    with stage("read"):
        # One pass of a server-side cursor over the pending records, not a query per chunk of ids.
        # Each comes with the document number as sent when its columns hold all its document (most
        # records of a large identity file): its facts are then written without reading it again.
        new_views: list[RecordView] = []
        stated: list[str | None] = []
        for *values, as_sent in values_rows(
            _pending(SourceRecord.objects.all())
            .annotate(document_as_sent=_stated_document())
            .order_by("id")
            .values_list(*RECORD_FIELDS, "document_as_sent")
        ):
            new_views.append(record_view(values))
            stated.append(as_sent)
        ids = [view.id for view in new_views]
        _progress(run, total=len(ids), processed=0)
        if not ids:
            return
    with stage("candidate persons"):
        known_views, known_persons = _known_views(candidate_person_ids(new_views))
    views = new_views + known_views
    current: list[int | None] = [None] * len(new_views) + known_persons

    def progress(stage: str, done: int, count: int) -> None:
        _progress(run, processed=min(len(ids), int(len(ids) * 0.9 * done / max(count, 1))))

    params = current_parameters()
    if not params.frequencies and len(views) >= MIN_RECORDS_TO_ESTIMATE:
        # A registry's first large delivery: the frequent names are counted from it (a re-link counts
        # them again from every record), and kept with the run for the incremental linker.
        params = replace(params, frequencies=name_frequencies(views, params.u))
        _progress(run, model_parameters=params.as_json())
    result = link_views(views, params=params, persons=current, progress=progress)
    logger.info(
        "link run %s: %s records, %s pairs, stages %s",
        run.pk,
        len(views),
        result.pairs_scored,
        {stage: round(seconds, 1) for stage, seconds in result.timings.items()},
    )
    with stage("plan"):
        plan = _plan(result, views, current)
    _write(run, result, views, current, plan, now, stage, stated_documents=stated)
    with stage("undecided"):
        # The records left without a person, known from the plan: the unlinked-records index still
        # points at every record of the run (a million entries of versions the links replaced).
        _queue_undecided(
            run, [record_id for record_id, person in zip(ids, plan.target, strict=False) if person is None]
        )
    _progress(run, processed=len(ids))
    logger.info("link run %s: %s", run.pk, stage)


def _stated_document() -> Any:
    """The pending read's `document_as_sent` (`exchange.facts.stated_document_sql`): PostgreSQL only;
    elsewhere NULL, and each record's facts are read again from its payload."""
    if connection.vendor != "postgresql":
        return Value(None, output_field=CharField())
    from exchange.facts import stated_document_sql

    sql, params = stated_document_sql(connection.ops.quote_name(SourceRecord._meta.db_table))
    return RawSQL(sql, params, output_field=CharField())  # noqa: S611 (the model's table; values bound)


def _queue_undecided(run: LinkRun, ids: list[int]) -> None:
    """Records the run could neither link, start a person from, nor put before a reviewer with a
    candidate (no citizenship, birth date or sex, and no person to compare with) wait for a person,
    as in incremental linking; the decision row also keeps the next run from picking them up.
    `ids`: the run's records it left unlinked (those put before a reviewer have their decision)."""
    undecided = []
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        undecided += _pending(SourceRecord.objects.filter(pk__in=chunk)).order_by("id").values_list("id", flat=True)
    LinkDecision.objects.bulk_create(
        [
            LinkDecision(
                kind=LinkDecision.Kind.QUEUED,
                record_id=record_id,
                reason=f"Link run {run.pk}: no person matched, and the record lacks a citizenship, birth date "
                "or sex to start one, or its best match is itself waiting for review: a person must decide.",
            )
            for record_id in undecided
        ],
        batch_size=CHUNK,
    )
    _progress(run, queued_for_review=run.queued_for_review + len(undecided))


# --- The full re-link ----------------------------------------------------------------------------


class RelinkRefused(Exception):
    pass


def _start(run_id: int) -> LinkRun:
    run = LinkRun.objects.get(pk=run_id)
    if run.status != LinkRun.Status.QUEUED:
        raise RelinkRefused(f"Link run {run_id} is {run.status}, not queued.")
    try:
        with transaction.atomic():
            # The partial unique index link_run_one_running_at_a_time refuses a second running run.
            updated = LinkRun.objects.filter(pk=run_id, status=LinkRun.Status.QUEUED).update(
                status=LinkRun.Status.RUNNING, started_at=timezone.now()
            )
    except IntegrityError:
        LinkRun.objects.filter(pk=run_id).update(
            status=LinkRun.Status.FAILED,
            error="Another re-link is running; this one was not started.",
            finished_at=timezone.now(),
        )
        raise RelinkRefused("Another re-link is running.") from None
    if not updated:
        raise RelinkRefused(f"Link run {run_id} was started by someone else.")
    run.refresh_from_db()
    return run


def _progress(run: LinkRun, **fields: Any) -> None:
    for name, value in fields.items():
        setattr(run, name, value)
    LinkRun.objects.filter(pk=run.pk).update(**fields)


@few_garbage_collections()
def _run_job(run_id: int, work: Callable[[LinkRun], None]) -> LinkRun:
    """Start the queued run (one at a time), do the work, and mark it done or failed with the error."""
    try:
        run = _start(run_id)
    except RelinkRefused as refused:
        logger.warning("%s", refused)
        return LinkRun.objects.get(pk=run_id)
    try:
        work(run)
    except Exception as error:
        logger.exception("Link run %s failed", run.pk)
        LinkRun.objects.filter(pk=run.pk).update(
            status=LinkRun.Status.FAILED, error=f"{type(error).__name__}: {error}", finished_at=timezone.now()
        )
        run.refresh_from_db()
        return run
    LinkRun.objects.filter(pk=run.pk).update(status=LinkRun.Status.DONE, finished_at=timezone.now())
    run.refresh_from_db()
    return run


def relink_all(*, run_id: int) -> LinkRun:
    """Re-link every record from scratch as one job, with progress on the LinkRun.

    Idempotent: the clustering is deterministic and each cluster keeps the person that already holds
    most of its records, so a second run changes nothing. What staff decided stands: a record staff
    attached stays with its person, and so do that person's other records; a pair staff rejected is
    not linked again. Only one runs at a time (a unique
    constraint on the running status); a second one is marked failed at once.
    """
    return _run_job(run_id, _relink)


def _staff_constraints() -> tuple[dict[int, int], list[tuple[int, int]]]:
    """Records a person attached (their latest decision was made by staff), and rejected pairs."""
    touched = LinkDecision.objects.filter(record__isnull=False, decided_by__isnull=False).values("record_id")
    latest: dict[int, Any] = {}
    for record_id, decided_by in (
        LinkDecision.objects.filter(record_id__in=touched)
        .order_by("decided_at", "id")
        .values_list("record_id", "decided_by_id")
    ):
        latest[record_id] = decided_by
    pinned_ids = [record_id for record_id, user in latest.items() if user is not None]
    pinned = dict(RecordLink.objects.filter(pk__in=pinned_ids).values_list("record_id", "person_id"))
    rejected = list(
        MatchCandidate.objects.filter(status=MatchCandidate.Status.REJECTED).values_list("record_id", "person_id")
    )
    return pinned, rejected


def _relink(run: LinkRun) -> None:
    now = timezone.now()
    total = SourceRecord.objects.count()
    _progress(run, total=total, processed=0)
    rows = list(
        SourceRecord.objects.order_by("id").values_list(*RECORD_FIELDS, "link__person_id").iterator(chunk_size=CHUNK)
    )
    views = [record_view(row[:-1]) for row in rows]
    current = [row[-1] for row in rows]
    position_of = {view.id: position for position, view in enumerate(views)}
    pinned, rejected = _staff_constraints()
    # A profile staff attached a record to is kept whole: its other records stay with it too, where
    # the model alone might split them off (staff said the attached record is the same individual).
    curated = set(pinned.values())
    persons = [
        pinned.get(view.id) or (person if person in curated else None)
        for view, person in zip(views, current, strict=True)
    ]
    records_of_person: dict[int, list[int]] = defaultdict(list)
    for position, person_id in enumerate(current):
        if person_id is not None:
            records_of_person[person_id].append(position)
    forbidden = [
        (position_of[record_id], other)
        for record_id, person_id in rejected
        if record_id in position_of
        for other in records_of_person.get(person_id, ())
    ]

    def progress(stage: str, done: int, count: int) -> None:
        # Scoring is most of the work: it fills the first nine tenths of the bar.
        _progress(run, processed=min(total, int(total * 0.9 * done / max(count, 1))))

    # A small registry has too few pairs for EM: the shipped parameters serve until it grows.
    params = None if len(views) >= MIN_RECORDS_TO_ESTIMATE else current_parameters()
    result = link_views(views, params=params, persons=persons, forbidden=forbidden, progress=progress)
    _progress(run, model_parameters=result.params.as_json(), processed=int(total * 0.9))
    plan = _plan(result, views, current)
    stage = _Stages()
    _write(run, result, views, current, plan, now, stage)
    _progress(run, processed=total)
    logger.info("link run %s: %s", run.pk, stage)


@dataclass
class _Plan:
    target: list[int | None]  # per record: its person after the run (None: unlinked)
    new_person_fields: dict[int, dict[str, Any]]  # cluster root -> fields of the person to create
    review: dict[int, tuple[int, PairScore, int]]  # record position -> (other position, score, node)


def _plan(result: LinkageResult, views: list[RecordView], current: list[int | None]) -> _Plan:
    """Map clusters to persons: an existing person a staff decision fixed; else the person holding
    most of the cluster's records (largest clusters choose first); else a new person."""
    clustering = result.clustering
    members: dict[int, list[int]] = defaultdict(list)
    for position, root in enumerate(result.person_of):
        members[root].append(position)
    claimed: set[int] = set(clustering.persons.values())
    target: list[int | None] = [None] * len(views)
    new_fields: dict[int, dict[str, Any]] = {}
    review: dict[int, tuple[int, PairScore, int]] = {}
    review_by_node = {
        node: max(pairs, key=lambda pair: pair[1].probability) for node, pairs in clustering.review_of.items()
    }
    for root, positions in sorted(members.items(), key=lambda item: (-len(item[1]), min(item[1]))):
        person_id = clustering.persons.get(root)
        if person_id is None:
            counts: dict[int, int] = defaultdict(int)
            for position in positions:
                if current[position] is not None and current[position] not in claimed:
                    counts[current[position]] += 1
            if counts:
                person_id = max(counts, key=lambda pk: (counts[pk], -pk))
        single_node = len({result.node_of[p] for p in positions}) == 1
        if person_id is None and single_node:
            node = result.node_of[positions[0]]
            if node in review_by_node and all(current[p] is None for p in positions):
                other, score = review_by_node[node]
                for position in positions:
                    review[position] = (other, score, node)
                continue
        if person_id is None:
            fields = _person_fields([views[p] for p in positions])
            if fields is None:
                continue
            new_fields[root] = fields
            for position in positions:
                target[position] = -root - 1  # a placeholder until the person exists
            continue
        claimed.add(person_id)
        for position in positions:
            target[position] = person_id
    return _Plan(target=target, new_person_fields=new_fields, review=review)


def _write(
    run: LinkRun,
    result: LinkageResult,
    views: list[RecordView],
    current: list[int | None],
    plan: _Plan,
    now: dt.datetime,
    stage: _Stages,
    *,
    stated_documents: Sequence[str | None] = (),
) -> None:
    """Write the run's plan. `stated_documents[p]` (for the first positions, pending records) is
    record p's document number as sent when its columns hold all its document, else None."""
    # New persons, in bulk; their ids replace the placeholders.
    roots = sorted(plan.new_person_fields)
    created: dict[int, int] = {}
    with stage("persons"):
        for start in range(0, len(roots), CHUNK):
            chunk = roots[start : start + CHUNK]
            with foreign_keys_checked_per_table():
                ids = values_insert_returning_ids(Person, [plan.new_person_fields[root] for root in chunk])
            created.update(zip(chunk, ids, strict=True))
    target = [created[-t - 1] if t is not None and t < 0 else t for t in plan.target]
    created_ids = set(created.values())

    changed = [p for p in range(len(views)) if target[p] is not None and target[p] != current[p]]
    # The first record of each new person is the one that created it; the others link to it.
    creators: set[int] = set()
    seen_new: set[int] = set()
    for position in changed:
        if target[position] in created_ids and target[position] not in seen_new:
            seen_new.add(target[position])
            creators.add(position)
    moved_from: set[int] = set()
    # Records collapsed into one node share its explanation: explained and encoded once.
    link_reasons: dict[int, tuple[float, dict, JsonText]] = {}
    identical = {"summary": "Identical identity fields to a record of this person.", "run": run.pk}
    identical_text = json_text(identical)
    explained: dict[tuple, dict[str, Any]] = {}
    first_links = [p for p in changed if current[p] is None]
    with stage("documents"):
        documents, with_facts, stated = _documents_of_first_links(first_links, views, target, stated_documents, now)
    # The links and decisions of one chunk go to the database while the next chunk is explained.
    with BackgroundWrites() as writes:
        for start in range(0, len(changed), WRITE_CHUNK):
            links: list[tuple[int, int, float | None, dict | JsonText]] = []
            moved_links: list[tuple[int, int, float | None, dict | JsonText]] = []
            decisions = []
            chunk_documents = []
            explaining = time.perf_counter()
            for position in changed[start : start + WRITE_CHUNK]:
                if position in documents:
                    chunk_documents.append(documents[position])
                node = result.node_of[position]
                if position in creators:
                    score, reason = None, {**_new_person_reason(result, node), "run": run.pk}
                    encoded: dict | JsonText = reason
                    kind = LinkDecision.Kind.NEW_PERSON
                elif node in result.clustering.best_edge:
                    if node not in link_reasons:
                        score, reason = _link_reason(result, node, explained)
                        reason = {**reason, "run": run.pk}
                        link_reasons[node] = (score, reason, json_text(reason))
                    score, reason, encoded = link_reasons[node]
                    kind = LinkDecision.Kind.AUTO_LINK
                else:
                    score, reason, encoded = 1.0, identical, identical_text
                    kind = LinkDecision.Kind.AUTO_LINK
                record_id = views[position].id
                if current[position] is None:
                    links.append((record_id, target[position], score, encoded))
                else:
                    moved_links.append((record_id, target[position], score, encoded))
                    moved_from.add(current[position])
                decisions.append(
                    (
                        str(kind),
                        record_id,
                        target[position],
                        current[position],
                        score,
                        f"Link run {run.pk}: {reason['summary']}",
                        now,
                    )
                )
            stage["explanations"] = stage.get("explanations", 0.0) + time.perf_counter() - explaining
            with stage("links and decisions"):
                writes.submit(_links_and_decisions_write, links, moved_links, decisions, now, chunk_documents)
        # The server writes the links; meanwhile this process works out the new persons' name keys
        # from the names in memory, and a background connection inserts them.
        with stage("name keys (while links are written)"):
            writes.submit(_name_keys_insert, _name_keys_of_new_persons(created, plan, views, target))
        waiting = time.perf_counter()  # leaving the block waits for the writes still running
    stage["links and decisions"] = stage.get("links and decisions", 0.0) + time.perf_counter() - waiting
    moved = [views[p].id for p in changed if current[p] is not None]
    with stage("moved facts"):
        _move_facts(moved)
    # The facts of the new links mostly wait on the server, the name keys of the persons that
    # existed are read and worked out here: the facts are written from another connection meanwhile.
    with BackgroundWrites(workers=1) as facts:
        facts.submit(_materialize_new_links, with_facts, stated)
        with stage("name keys"):
            _refresh_name_keys(({target[p] for p in changed} | moved_from) - created_ids)
        waiting = time.perf_counter()
    stage["facts (after name keys)"] = time.perf_counter() - waiting
    with stage("stays"):
        for person_id in sorted(moved_from | {target[p] for p in changed if current[p] is not None}):
            person_rebuild_stays(person=Person(pk=person_id))
    with stage("reviews"):
        queued = _queue_reviews(run, result, views, plan, target)
    auto_linked = len(changed) - len(creators)
    _progress(run, auto_linked=auto_linked, new_persons=len(created), queued_for_review=queued)


def _documents_of_first_links(
    positions: list[int],
    views: list[RecordView],
    target: list,
    stated_documents: Sequence[str | None],
    now: dt.datetime,
) -> tuple[dict[int, tuple], list[int], dict[int, StatedDocument]]:
    """Where the facts of the records linked for the first time are written, `positions` in id order.

    A record whose columns hold all its document (`stated_documents`) states no fact but that
    document. The first such record of each document has its document written with its link, in
    the link's transaction: the foreign-key check then finds the record locked and in memory
    already, where a later transaction locked a million-record table's pages one by one again
    (111,000 documents: 7.8 s of commits). Later records of the same document state nothing new,
    nor does one without a document. A document that a record stating more (a date, a country,
    other facts) may state first is left, with its first such record, to the facts pass, which
    takes the records in id order: the earliest record states a shared document.

    Returns the document rows by position (IdentityDocument.INSERT_COLUMNS), then the records left
    to the facts pass in id order, with the documents of those stated in memory.
    """
    from exchange.parsing import person_document_of_columns

    in_link: dict[int, tuple] = {}
    record_ids: list[int] = []
    stated: dict[int, StatedDocument] = {}
    seen: set[tuple[str, str, str]] = set()
    read_again: set[tuple[str, str]] = set()  # (type, number) of the records read from their payload so far
    for position in positions:
        view = views[position]
        as_sent = stated_documents[position] if position < len(stated_documents) else None
        if as_sent is None:
            record_ids.append(view.id)
            if view.document_number:
                read_again.add((view.document_type, view.document_number))
            continue
        citizenship = view.citizenship or None
        document = person_document_of_columns(
            document_type=view.document_type, number_raw=as_sent, number=view.document_number, citizenship=citizenship
        )
        if document is None or not document.country:
            continue
        key = (document.document_type, document.country, document.number)
        if key in seen:
            continue
        seen.add(key)
        if (view.document_type, view.document_number) in read_again:
            record_ids.append(view.id)
            stated[view.id] = StatedDocument(
                target[position], view.document_type, as_sent, view.document_number, citizenship
            )
            continue
        in_link[position] = (
            target[position],
            view.id,
            document.document_type,
            document.country,
            document.number_raw.strip(),
            document.number,
            None,  # issued on: a record stating a date is read from its payload
            None,  # expires on: likewise
            now,
        )
    return in_link, record_ids, stated


DECISION_COLUMNS = ("kind", "record_id", "person_id", "other_person_id", "score", "reason", "decided_at")


def _links_and_decisions_write(
    links: list[tuple[int, int, float | None, dict | JsonText]],
    moved_links: list[tuple[int, int, float | None, dict | JsonText]],
    decisions: list[tuple],
    now: dt.datetime,
    documents: Sequence[tuple] = (),
) -> None:
    """The links of a chunk of records (`links` first links, `moved_links` to another person),
    their decisions and the documents their links write (`_documents_of_first_links`), in one
    transaction: a crash between them would leave records linked with no decision, which no later
    run picks up (a linked record is not pending). Chunks go to the background connections whole,
    so the server runs two at once; no two chunks write the same document."""
    with foreign_keys_checked_per_table():
        tuples_insert(RecordLink, LINK_COLUMNS, [(*link, now) for link in links])
        _links_move(moved_links, now)
        tuples_insert(LinkDecision, DECISION_COLUMNS, decisions)
        # A document stored before, by an earlier delivery, keeps its record (the unique constraint).
        tuples_insert_new(IdentityDocument, IdentityDocument.INSERT_COLUMNS, documents)


LINK_COLUMNS = ("record_id", "person_id", "score", "reason", "linked_at")


def _links_move(links: list[tuple[int, int, float | None, dict | JsonText]], now: dt.datetime) -> None:
    """Give linked records another person (a re-link): on PostgreSQL one UPDATE from a COPYed
    staging table, elsewhere one UPDATE ... FROM (VALUES ...) per chunk. Django's bulk_update
    builds a CASE expression per column and row, which PostgreSQL parses slower than it runs the
    update itself (90 of 100 seconds for 14,000 records)."""
    if not links:
        return
    if connection.vendor == "postgresql":
        # The records of one node share its explanation: it is staged once.
        update_from_rows(
            RecordLink, ("person_id", "score", "reason"), links, also="linked_at = %s", params=[now], shared="reason"
        )
        return
    table = RecordLink._meta.db_table
    for start in range(0, len(links), 2_000):
        chunk = links[start : start + 2_000]
        values = ", ".join("(%s, %s, %s, %s)" for _ in chunk)
        params: list[Any] = []
        for record_id, person_id, score, reason in chunk:
            text = reason if isinstance(reason, JsonText) else json.dumps(reason, cls=DjangoJSONEncoder)
            params += [record_id, person_id, score, text]
        # The table name comes from the model and every value is a placeholder: nothing user-supplied.
        sql = (
            f"WITH v(record_id, person_id, score, reason) AS (VALUES {values}) "  # noqa: S608
            f"UPDATE {table} SET person_id = v.person_id, score = v.score, reason = v.reason, "
            f"linked_at = %s FROM v WHERE {table}.record_id = v.record_id"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, now])


def _move_facts(record_ids: list[int]) -> None:
    """Facts follow their records: one UPDATE per fact table and chunk, the person read from the record."""
    from django.db.models import Subquery

    for start in range(0, len(record_ids), CHUNK):
        chunk = record_ids[start : start + CHUNK]
        person = Subquery(RecordLink.objects.filter(pk=OuterRef("source_record_id")).values("person_id")[:1])
        for model in FACT_MODELS:
            model.objects.filter(source_record_id__in=chunk).update(person_id=person)


PERSON_NAME_FIELDS = (
    "latin_surname",
    "latin_given_names",
    "cyrillic_surname",
    "cyrillic_given_names",
    "cyrillic_patronymic",
)


def _name_keys_insert(rows: list[tuple[int, str]]) -> None:
    with foreign_keys_checked_per_table():
        tuples_insert(PersonNameKey, ("person_id", "key"), rows)


def _name_keys_of_new_persons(
    created: dict[int, int], plan: _Plan, views: list[RecordView], target: list
) -> list[tuple[int, str]]:
    """Name keys (person id, key) of the persons this run created, from the names in memory: every
    record of a new person is one of this run's rows, so nothing needs reading back."""
    spellings: dict[int, list[str]] = defaultdict(list)
    for root, person_id in created.items():
        fields = plan.new_person_fields[root]
        spellings[person_id] += [fields.get(name, "") for name in PERSON_NAME_FIELDS]
    for position, person_id in enumerate(target):
        if person_id in spellings:
            view = views[position]
            spellings[person_id] += [view.surname, view.given_names, view.patronymic]
    limit = PersonNameKey._meta.get_field("key").max_length
    return [
        (person_id, key)
        for person_id, names in spellings.items()
        for key in sorted(name_keys(*names))
        if len(key) <= limit
    ]


def _refresh_name_keys(person_ids: Iterable[int]) -> None:
    """Name keys of the affected persons from their canonical names and records, in bulk."""
    ids = sorted(person_ids)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        spellings: dict[int, list[str]] = defaultdict(list)
        for person in Person.objects.filter(pk__in=chunk).values("id", *PERSON_NAME_FIELDS):
            spellings[person.pop("id")] += list(person.values())
        for person_id, *names in SourceRecord.objects.filter(link__person_id__in=chunk).values_list(
            "link__person_id", "surname", "given_names", "patronymic"
        ):
            spellings[person_id] += names
        limit = PersonNameKey._meta.get_field("key").max_length
        PersonNameKey.objects.filter(person_id__in=chunk).delete()
        PersonNameKey.objects.bulk_create(
            [
                PersonNameKey(person_id=person_id, key=key)
                for person_id, names in spellings.items()
                for key in sorted(name_keys(*names))
                if len(key) <= limit
            ],
            ignore_conflicts=True,
        )


def _materialize_new_links(record_ids: list[int], stated: dict[int, StatedDocument]) -> None:
    """Facts of records linked for the first time, through the exchange app's bulk path (with the
    documents the records' columns state, from memory); stays are rebuilt for the persons that
    received border crossings (a stay is derived from crossings only)."""
    if not record_ids:
        return
    from exchange.facts import records_facts_materialize_bulk

    # Records stated from memory are not read: larger chunks cost no more memory than the run holds.
    chunk_size = 20_000 if len(stated) * 2 > len(record_ids) else 2_000
    outcome = records_facts_materialize_bulk(record_ids=record_ids, chunk_size=chunk_size, stated=stated)
    for person_id in sorted(outcome.persons_with_crossings):
        person_rebuild_stays(person=Person(pk=person_id))


def _queue_reviews(run: LinkRun, result: LinkageResult, views: list[RecordView], plan: _Plan, target: list) -> int:
    """Unlinked records whose best pair is between the thresholds: a candidate against that pair's person."""
    position_of = {view.id: position for position, view in enumerate(views)}
    candidates, decisions = [], []
    for position, (other_node, score, node) in plan.review.items():
        other_view = result.nodes[other_node]
        other_person = target[position_of[other_view.id]]
        if other_person is None or target[position] is not None:
            continue
        explanation = explain(result.params, result.nodes[node], other_view, score)
        record_id = views[position].id
        candidates.append(
            MatchCandidate(
                record_id=record_id, person_id=other_person, score=score.probability, explanation=explanation
            )
        )
        decisions.append(
            LinkDecision(
                kind=LinkDecision.Kind.QUEUED,
                record_id=record_id,
                person_id=other_person,
                score=score.probability,
                reason=f"Link run {run.pk}: {explanation['summary']}",
            )
        )
    existing = set(
        MatchCandidate.objects.filter(record_id__in=[c.record_id for c in candidates]).values_list(
            "record_id", "person_id"
        )
    )
    fresh = [c for c in candidates if (c.record_id, c.person_id) not in existing]
    MatchCandidate.objects.bulk_create(fresh, ignore_conflicts=True)
    fresh_keys = {(c.record_id, c.person_id) for c in fresh}
    LinkDecision.objects.bulk_create([d for d in decisions if (d.record_id, d.person_id) in fresh_keys])
    return len(fresh)
