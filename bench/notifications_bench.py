"""Notifications benchmark on PostgreSQL: the daily reminder scan over a population, and inbox dispatch.

    nice .venv/bin/python bench/notifications_bench.py --people 1000000 --workers 2
    .venv/bin/python bench/notifications_bench.py --people 20000 --baseline-people 2000   # a quick run

1. (Re)creates the database --database on --server and migrates it.
2. Seeds the population with set-based SQL (generate_series, setseed): persons with languages and
   contacts, open registrations across time zones, open stays (and closed ones earlier in the year),
   patents with a monthly chain of payments, passports (some renewed, some RVP cards), SMS opt-outs.
   Not `seed_demo`: that writes every agency record a real population has; the scan reads only these
   tables, and this takes about a minute for a million persons.
3. Baseline: a naive per-person Python loop (ORM reads per person, get_or_create per reminder and
   delivery) over the first --baseline-people persons, inside a transaction that is rolled back,
   extrapolated linearly to --people. Also `legal.status.person_status` per person (the engine a
   per-person scan would call) over --engine-people persons.
4. `reminders_scan(on=today)`, timed; then once more (idempotent: nothing new), timed.
5. Inbox dispatch: --workers processes, each looping `deliveries_dispatch(channel="inbox")` until the
   inbox outbox is empty or --dispatch-seconds pass; sent per second of wall time.

The last line printed is one JSON object for BENCHMARKS.md. --keep keeps the database.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def seed(cursor, *, people: int, on: dt.date) -> dict[str, float]:
    """The population, relative to `on`. Deterministic for a given size (setseed before each statement)."""
    timings: dict[str, float] = {}

    def step(name: str, statement: str, params: dict | None = None) -> None:
        started = time.monotonic()
        cursor.execute("SELECT setseed(0.42)")
        cursor.execute(statement, {"on": on, "people": people, **(params or {})})
        timings[name] = round(time.monotonic() - started, 1)

    cursor.execute(
        """INSERT INTO profiles_sourcerecord (source_record_id, received_at, payload, surname, given_names, patronymic,
               sex, document_type, document_number, phone, tax_id, source_system)
           VALUES ('BENCH-1', now(), '{"bench": true}', '', '', '', '', '', '', '', '', 'PLATFORM')
           RETURNING id"""
    )
    source = cursor.fetchone()[0]
    params = {"src": source}
    step(
        "persons",
        """
        WITH base AS (
            SELECT g, (ARRAY['UZB','UZB','UZB','UZB','UZB','TJK','TJK','TJK','KGZ','KGZ','KAZ','ARM','AZE','CHN'])
                       [1 + floor(random() * 14)::int] AS cz,
                   random() AS r_lang, random() AS r_phone, random() AS r_mail, random() AS r_birth, random() AS r_sex
            FROM generate_series(1, %(people)s) g
        )
        INSERT INTO profiles_person (public_id, latin_surname, latin_given_names, cyrillic_surname, cyrillic_given_names,
            cyrillic_patronymic, birth_date, sex, citizenship, preferred_language, phone, email, created_at, updated_at)
        SELECT gen_random_uuid(), 'BENCH' || g, 'PERSON', '', '', '', date '1962-01-01' + floor(r_birth * 15000)::int,
               CASE WHEN r_sex < 0.8 THEN 'M' ELSE 'F' END, cz,
               CASE WHEN r_lang < 0.2 THEN 'ru'
                    ELSE CASE cz WHEN 'UZB' THEN 'uz' WHEN 'TJK' THEN 'tg' WHEN 'KGZ' THEN 'ky' WHEN 'CHN' THEN 'en'
                                 ELSE 'ru' END END,
               CASE WHEN r_phone < 0.85 THEN '+7900' || lpad(g::text, 7, '0') ELSE '' END,
               CASE WHEN r_mail < 0.3 THEN 'p' || g || '@example.org' ELSE '' END, now(), now()
        FROM base
        """,
    )
    step(
        "registrations",
        """
        WITH r AS (SELECT id, random() AS a, random() AS b, random() AS c FROM profiles_person)
        INSERT INTO profiles_migrationregistration (person_id, source_record_id, created_at, region_id, address,
            host_person_name, purpose, arrived_on, valid_from, valid_to)
        SELECT id, %(src)s, now(),
               (ARRAY['77','77','77','77','50','50','78','78','66','16','23','54','25','27','41','39','63','02'])
                   [1 + floor(b * 18)::int],
               'Bench street ' || id, 'Ivanov Ivan', 'work',
               %(on)s::date - floor(c * 200)::int, %(on)s::date - floor(c * 200)::int,
               %(on)s::date - floor(c * 200)::int + 90 + floor(a * 180)::int
        FROM r WHERE a < 0.9
        """,
        params,
    )
    step(
        "closed stays",
        """
        WITH src AS (
            SELECT id AS person_id, date_trunc('year', %(on)s::date)::date + floor(random() * 40)::int AS entered,
                   10 + floor(random() * 40)::int AS days
            FROM profiles_person WHERE random() < 0.2
        ), e AS (
            INSERT INTO profiles_bordercrossing (person_id, source_record_id, created_at, direction, crossed_on,
                checkpoint, purpose, migration_card_number)
            SELECT person_id, %(src)s, now(), 'entry', entered, 'Bench', 'work', '' FROM src RETURNING id, person_id
        ), x AS (
            INSERT INTO profiles_bordercrossing (person_id, source_record_id, created_at, direction, crossed_on,
                checkpoint, purpose, migration_card_number)
            SELECT person_id, %(src)s, now(), 'exit', entered + days, 'Bench', '', '' FROM src RETURNING id, person_id
        )
        INSERT INTO profiles_stay (person_id, entry_id, exit_id, entered_on, exited_on)
        SELECT src.person_id, e.id, x.id, src.entered, src.entered + src.days
        FROM src JOIN e USING (person_id) JOIN x USING (person_id)
        """,
        params,
    )
    step(
        "open stays",
        """
        WITH src AS (
            SELECT p.id AS person_id,
                   GREATEST(%(on)s::date - floor(random() * 150)::int,
                            COALESCE((SELECT max(s.exited_on) + 2 FROM profiles_stay s WHERE s.person_id = p.id),
                                     date '1900-01-01')) AS entered
            FROM profiles_person p WHERE random() < 0.8
        ), e AS (
            INSERT INTO profiles_bordercrossing (person_id, source_record_id, created_at, direction, crossed_on,
                checkpoint, purpose, migration_card_number)
            SELECT person_id, %(src)s, now(), 'entry', entered, 'Bench', 'work', '' FROM src RETURNING id, person_id
        )
        INSERT INTO profiles_stay (person_id, entry_id, entered_on)
        SELECT src.person_id, e.id, src.entered FROM src JOIN e USING (person_id)
        """,
        params,
    )
    step(
        "patents and payments",
        """
        WITH cand AS (
            SELECT p.id AS person_id, COALESCE(r.region_id, '77') AS region,
                   %(on)s::date - floor(random() * 330)::int AS issued,
                   %(on)s::date - 5 + floor(random() * 35)::int AS last_paid
            FROM profiles_person p
            LEFT JOIN profiles_migrationregistration r ON r.person_id = p.id AND r.closed_on IS NULL
            WHERE p.citizenship IN ('UZB', 'TJK', 'AZE') AND random() < 0.65
        ), pat AS (
            INSERT INTO profiles_permit (person_id, source_record_id, created_at, kind, number, profession, issued_on,
                valid_from, valid_to, status, region_id)
            SELECT person_id, %(src)s, now(), 'patent', 'P' || person_id, 'Builder', issued, issued, issued + 365,
                   'valid', region
            FROM cand RETURNING id, person_id
        )
        INSERT INTO profiles_patentpayment (person_id, source_record_id, created_at, permit_id, paid_on, amount, months,
            period_from, paid_until, receipt_number)
        SELECT cand.person_id, %(src)s, now(), pat.id, paid_until - 30, 6000, 1,
               GREATEST(paid_until - 29, cand.issued), paid_until, 'R' || pat.id || '-' || k
        FROM cand JOIN pat USING (person_id)
        CROSS JOIN LATERAL generate_series(0, GREATEST(0, (cand.last_paid - cand.issued) / 30)) AS k
        CROSS JOIN LATERAL (SELECT cand.last_paid - 30 * k AS paid_until) pu
        WHERE pu.paid_until >= cand.issued
        """,
        params,
    )
    step(
        "documents",
        """
        INSERT INTO profiles_identitydocument (person_id, document_type, issuing_country, number, number_normalized,
            issued_on, expires_on, created_at)
        SELECT id, 'passport', citizenship, 'FA' || lpad(id::text, 8, '0'), 'FA' || lpad(id::text, 8, '0'),
               e - 3650, e, now()
        FROM (SELECT id, citizenship, %(on)s::date - 200 + floor(random() * 3850)::int AS e FROM profiles_person) d
        """,
    )
    step(
        "renewed and residence documents",
        """
        INSERT INTO profiles_identitydocument (person_id, document_type, issuing_country, number, number_normalized,
            issued_on, expires_on, created_at)
        SELECT id, kind, citizenship, prefix || lpad(id::text, 8, '0'), prefix || lpad(id::text, 8, '0'),
               e - 1000, e, now()
        FROM (
            SELECT id, citizenship, random() AS r,
                   CASE WHEN random() < 0.5 THEN 'passport' ELSE 'rvp' END AS kind,
                   %(on)s::date + floor(random() * 1000)::int AS e
            FROM profiles_person
        ) d
        CROSS JOIN LATERAL (SELECT CASE d.kind WHEN 'passport' THEN 'FB' ELSE 'RV' END AS prefix) x
        WHERE r < 0.08
        """,
    )
    step(
        "sms opt-outs",
        """
        INSERT INTO notifications_channelpreference (person_id, channel, enabled, updated_at)
        SELECT id, 'sms', false, now() FROM profiles_person WHERE phone <> '' AND random() < 0.1
        """,
    )
    started = time.monotonic()
    cursor.execute("ANALYZE")
    timings["analyze"] = round(time.monotonic() - started, 1)
    return timings


def naive_scan(*, person_ids: list[int], on: dt.date) -> int:
    """What a scan looks like without set-based SQL: per person, read the facts and write each reminder."""
    from django.utils import timezone

    from notifications.models import ChannelPreference, Delivery, Notification, ReminderSchedule
    from notifications.reminders import schedule_offsets
    from profiles.models import IdentityDocument, MigrationRegistration, PatentPayment, Permit, Person, Stay

    schedules = {s.key: s for s in ReminderSchedule.objects.filter(is_active=True)}
    offsets = {key: schedule_offsets(s, on=on) for key, s in schedules.items()}
    document_types = schedules["doc.expiry"].parameters["document_types"]
    now = timezone.now()
    created = 0
    for person_id in person_ids:
        person = Person.objects.select_related("citizenship").get(pk=person_id)
        if person.merged_into_id:
            continue
        deadlines: list[tuple[str, dt.date, int]] = []
        for permit in Permit.objects.filter(person_id=person_id, kind="patent", status="valid"):
            last = PatentPayment.objects.filter(permit=permit).order_by("-paid_until").first()
            if last and (permit.valid_to is None or last.paid_until < permit.valid_to):
                deadlines.append(("patent.pay", last.paid_until, permit.pk))
        latest: dict[str, IdentityDocument] = {}
        for document in IdentityDocument.objects.filter(person_id=person_id, document_type__in=document_types):
            if document.expires_on and (
                document.document_type not in latest or document.expires_on > latest[document.document_type].expires_on
            ):
                latest[document.document_type] = document
        for kind, document in latest.items():
            deadlines.append((f"doc.expiry.{kind}", document.expires_on, document.pk))
        stay = Stay.objects.filter(person_id=person_id, exited_on__isnull=True).first()
        if stay and person.citizenship.regime in ("eaeu", "visa_free"):
            has_basis = Permit.objects.filter(
                person_id=person_id, status="valid", valid_from__lte=on, valid_to__gte=on
            ).exists()
            if not has_basis:
                jan1 = dt.date(on.year, 1, 1)
                used = sum(
                    (min(s.exited_on, dt.date(on.year, 12, 31)) - max(s.entered_on, jan1)).days + 1
                    for s in Stay.objects.filter(person_id=person_id, exited_on__gte=jan1)
                )
                due = stay.entered_on + dt.timedelta(days=89)
                cap = max(stay.entered_on, jan1) + dt.timedelta(days=89 - used)
                if cap.year == on.year:
                    due = min(due, cap)
                deadlines.append(("stay.visa_free", due, stay.pk))
        registration = MigrationRegistration.objects.filter(person_id=person_id, closed_on__isnull=True).first()
        if registration:
            deadlines.append(("registration.end", registration.valid_to, registration.pk))
        for rule_key, due, subject in deadlines:
            steps = offsets["doc.expiry" if rule_key.startswith("doc.expiry") else rule_key]
            days_left = (due - on).days
            step = next((day for day in steps if day >= days_left), None) if days_left >= 0 else None
            if step is None:
                continue
            key = f"reminder:{person_id}:{rule_key}:{due}:{step}"
            notification, new = Notification.objects.get_or_create(
                idempotency_key=key,
                defaults={"person_id": person_id, "kind": "deadline.reminder", "rule_key": rule_key, "due_on": due,
                          "offset_days": step, "subject_id": subject, "scheduled_for": now, "created_at": now,
                          "updated_at": now},
            )  # fmt: skip
            if not new:
                continue
            created += 1
            channels = ["inbox"]
            sms_off = ChannelPreference.objects.filter(person_id=person_id, channel="sms", enabled=False).exists()
            if person.phone and not sms_off:
                channels.append("sms")
            elif person.email:
                channels.append("email")
            for channel in channels:
                Delivery.objects.get_or_create(
                    notification=notification,
                    channel=channel,
                    defaults={"person_id": person_id, "next_attempt_at": now, "created_at": now, "updated_at": now},
                )
    return created


def dispatch_worker(stop_at: float, queue) -> None:
    from django.db import connections

    from notifications.dispatch import DispatchResult, deliveries_dispatch, worker_name

    connections.close_all()
    worker, total = worker_name(), DispatchResult()
    while time.monotonic() < stop_at:
        result = deliveries_dispatch(channel="inbox", worker=worker)
        total.add(result)
        if result.claimed == 0:
            break
    queue.put(total.__dict__)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--baseline-people", type=int, default=20_000)
    parser.add_argument("--engine-people", type=int, default=2_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--dispatch-seconds", type=float, default=180)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="notify_bench")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    import psycopg

    maintenance = f"{args.server}/postgres"
    with psycopg.connect(maintenance, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{args.database}"')
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = f"{args.server}/{args.database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "migrant_platform.settings")
    os.environ.setdefault("DJANGO_DEBUG", "1")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, connections, transaction
    from django.utils import timezone

    from notifications.models import Delivery, Notification
    from notifications.reminders import reminders_scan

    report: dict = {"people": args.people, "workers": args.workers, "cpus": os.cpu_count()}
    started = time.monotonic()
    call_command("migrate", verbosity=0)
    report["migrate_seconds"] = round(time.monotonic() - started, 1)
    on = timezone.localdate()
    report["on"] = on.isoformat()

    started = time.monotonic()
    with connection.cursor() as cursor:
        report["seed_steps"] = seed(cursor, people=args.people, on=on)
        cursor.execute("SELECT count(*) FROM profiles_patentpayment")
        report["patent_payments"] = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM profiles_identitydocument")
        report["documents"] = cursor.fetchone()[0]
    report["seed_seconds"] = round(time.monotonic() - started, 1)
    print("seeded", json.dumps(report), flush=True)

    # Baselines, rolled back so the scan below starts from the same empty outbox.
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM profiles_person ORDER BY id")
        person_ids = [row[0] for row in cursor.fetchall()]
    subset = person_ids[: args.baseline_people]
    started = time.monotonic()
    with transaction.atomic():
        naive_created = naive_scan(person_ids=subset, on=on)
        transaction.set_rollback(True)
    naive_seconds = time.monotonic() - started
    report["naive_loop"] = {
        "people": len(subset),
        "seconds": round(naive_seconds, 1),
        "reminders": naive_created,
        "extrapolated_seconds": round(naive_seconds * args.people / max(1, len(subset)), 0),
    }
    print("naive loop", json.dumps(report["naive_loop"]), flush=True)
    if args.engine_people:
        from legal.status import person_status, rule_book_get
        from profiles.models import Person

        rules = rule_book_get()
        started = time.monotonic()
        for person in Person.objects.filter(pk__in=person_ids[: args.engine_people]):
            person_status(person=person, on=on, rules=rules)
        engine_seconds = time.monotonic() - started
        report["status_engine_loop"] = {
            "people": args.engine_people,
            "seconds": round(engine_seconds, 1),
            "extrapolated_seconds": round(engine_seconds * args.people / args.engine_people, 0),
        }
        print("status engine loop", json.dumps(report["status_engine_loop"]), flush=True)

    report["load_average_before_scan"] = [round(x, 1) for x in os.getloadavg()]
    started = time.monotonic()
    result = reminders_scan(on=on)
    report["scan"] = {
        "seconds": round(time.monotonic() - started, 1),
        "notifications": result.notifications,
        "deliveries": result.deliveries,
        "deliveries_seconds": result.deliveries_seconds,
        "per_schedule": {s.key: {"notifications": s.notifications, "seconds": s.seconds} for s in result.schedules},
    }
    print("scan", json.dumps(report["scan"]), flush=True)
    started = time.monotonic()
    again = reminders_scan(on=on)
    report["scan_again"] = {
        "seconds": round(time.monotonic() - started, 1),
        "notifications": again.notifications,
        "deliveries": again.deliveries,
    }
    print("scan again", json.dumps(report["scan_again"]), flush=True)

    inbox_queued = Delivery.objects.filter(channel="inbox", status="queued").count()
    connections.close_all()
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    started = time.monotonic()
    stop_at = started + args.dispatch_seconds
    workers = [context.Process(target=dispatch_worker, args=(stop_at, queue)) for _ in range(args.workers)]
    for worker in workers:
        worker.start()
    results = [queue.get() for _ in workers]
    for worker in workers:
        worker.join()
    seconds = time.monotonic() - started
    totals = {key: sum(r[key] for r in results) for key in results[0]}
    report["dispatch_inbox"] = {
        "queued": inbox_queued,
        "seconds": round(seconds, 1),
        **totals,
        "per_second": round((totals["sent"] + totals["cancelled"]) / seconds, 0),
        "sent_per_second": round(totals["sent"] / seconds, 0),
    }
    report["load_average_after_dispatch"] = [round(x, 1) for x in os.getloadavg()]
    print("dispatch", json.dumps(report["dispatch_inbox"]), flush=True)
    report["notifications_by_status"] = dict(
        Notification.objects.values_list("status").annotate(n=django.db.models.Count("id")).order_by()
    )
    connections.close_all()
    if not args.keep:
        with psycopg.connect(maintenance, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
    print(json.dumps(report))


if __name__ == "__main__":
    main()
