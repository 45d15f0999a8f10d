"""`manage.py seed_demo --people N --seed S`: the deterministic demo population (see profiles.demo)."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from profiles.demo.accounts import demo_accounts_ensure
from profiles.demo.writer import DEFAULT_CHUNK_SIZE, DemoSeedError, demo_population_seed


class Command(BaseCommand):
    help = (
        "Seed a deterministic synthetic population: people, agency records, facts and organizations. "
        "Re-running with the same arguments writes nothing; an interrupted run resumes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--people", type=int, default=5_000, help="How many people (default 5000).")
        parser.add_argument("--seed", type=int, default=42, help="Random seed (default 42).")
        parser.add_argument(
            "--chunk-size", type=int, default=DEFAULT_CHUNK_SIZE, help="People per transaction (default 2000)."
        )
        parser.add_argument(
            "--method",
            choices=("auto", "copy", "executemany", "bulk"),
            default="auto",
            help="copy: PostgreSQL binary COPY (its default); executemany: prepared INSERTs (SQLite's default); "
            "bulk: Django bulk_create (the naive baseline).",
        )
        parser.add_argument(
            "--workers", type=int, default=1, help="Parallel writer processes (PostgreSQL only; default 1)."
        )
        parser.add_argument(
            "--check-fks-after",
            action="store_true",
            help="Bulk load (PostgreSQL superuser): skip per-row foreign-key triggers, verify every key at the end.",
        )
        parser.add_argument("--with-accounts", action="store_true", help="Also create the demo logins.")
        parser.add_argument("--force", action="store_true", help="Allow --with-accounts with DEBUG off.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, people: int, seed: int, chunk_size: int, method: str, workers: int, **options) -> None:
        if options["with_accounts"] and not settings.DEBUG and not options["force"]:
            raise CommandError(
                "--with-accounts creates logins with published passwords: refused with DEBUG off (use --force)."
            )
        if people < 0 or chunk_size < 1 or workers < 1:
            raise CommandError("--people must be >= 0, --chunk-size and --workers >= 1.")
        started = time.monotonic()
        with tqdm(total=people, unit="people", disable=options["no_progress"] or None, smoothing=0.1) as bar:
            try:
                result = demo_population_seed(
                    people=people,
                    seed=seed,
                    chunk_size=chunk_size,
                    method=method,
                    workers=workers,
                    check_fks_after=options["check_fks_after"],
                    progress=bar.update,
                )
            except DemoSeedError as error:
                raise CommandError(str(error)) from error
        elapsed = time.monotonic() - started
        if result.already_seeded:
            self.stdout.write(f"Already seeded: all {people:,} people of seed {seed} are in the database.")
            self.stdout.write("Nothing written.")
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Seeded {result.people_written:,} people of seed {seed} "
                    f"({result.people_skipped:,} already there) in {elapsed:.1f}s: "
                    f"{result.total_rows:,} rows in {result.chunks_written} chunks."
                )
            )
            for table, count in sorted(result.rows.items()):
                if count:
                    self.stdout.write(f"  {table:32} {count:>12,}")
        if options["with_accounts"]:
            self._accounts(seed=seed, people=people)

    def _accounts(self, *, seed: int, people: int) -> None:
        outcomes = demo_accounts_ensure(seed=seed, people=people)
        self.stdout.write("Demo accounts (development only):")
        for outcome in outcomes:
            account = outcome.account
            state = "created" if outcome.created else "exists"
            linked = f", person #{outcome.person_id}" if outcome.person_id else ""
            self.stdout.write(
                f"  {account.role:17} {account.email:28} / {account.username:9} "
                f"password {account.password:20} {account.where} ({state}{linked})"
            )
