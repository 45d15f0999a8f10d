"""Cabinet home under load: signed-in migrants on a seeded PostgreSQL database, served by gunicorn.

    .venv/bin/python bench/cabinet_bench.py --database seed_1m --baseline-database cabbench_small

For each database (the baseline first, then --database), in one run:

1. Accounts: --accounts cabinet accounts (`bench-NNN@bench.cabinet.local`, unusable passwords), each
   linked with `cabinet.claim.person_claim_link` to a distinct seeded person who has a permit, a
   migration registration and a document. Idempotent: a re-run reuses the accounts and their links.
2. Sessions: one per account, made by Django's own `Client.force_login` (SessionStore rows in
   django_session, as a password or code login leaves them). Logging 50 accounts in through
   allauth's form would time PBKDF2 and hit allauth's login rate limit, not the cabinet.
3. Query count and the heaviest query of the home page: the homes of the first --users accounts
   requested in process (Django's test client, DEBUG off) under `CaptureQueriesContext`; the slowest
   instance of each query is EXPLAINed (ANALYZE, BUFFERS) on that database, the heaviest plan printed.
4. Load: gunicorn (the production WSGI server, DEBUG off, a fresh secret key and signing key) and one
   Python thread per user, each with its own session cookie and connection (with --accounts above
   --users, a user takes the accounts in turn: more distinct persons, colder caches). Load models:
   * think: every user requests /cabinet/, reads the page, waits --think seconds ± --jitter (an
     interactive person), and again; the first requests are spread over one think time. The main figure.
   * stress: the same users with no think time (closed loop): the saturation throughput.
   * inbox: as think, on /cabinet/inbox/ (with --inbox).
   * think_uncached: as think, on a second server with CABINET_HOME_CACHE_SECONDS=0 (with --uncached):
     every page computed and rendered afresh, as on a person's first visit of the day; the baseline.
   The servers' cache is per process (LocMemCache, the embedded default) unless --redis-url gives the
   shared Redis cache production runs with.
   A request counts as ok only with status 200 and the user's own page (the home must contain
   `id="status-card"` and the person's surname); anything else is an error.
   Latency is measured by the client from sending the request to the last byte of the page, so it
   includes waiting for a free gunicorn worker. Static files are not requested (a front server
   serves them in production).

The baseline database (--baseline-database) is created, migrated and seeded with
`manage.py seed_demo --people N` (N = --baseline-people) when it does not exist, and kept. Sessions made by
the run are deleted at its end. The last line is one JSON object for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import math
import os
import random
import re
import resource
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
EMAIL_DOMAIN = "bench.cabinet.local"
HOME_PATH = "/cabinet/"
INBOX_PATH = "/cabinet/inbox/"
TARGET_P95_MS = 150.0


# --- Django side (each in a fresh spawned process, so each database gets its own settings) -----------


def _django(env: dict[str, str]) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "migrant_platform.settings")
    import django

    django.setup()


def _in_child(function, env: dict[str, str], **kwargs):
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(function, env, **kwargs).result()


# Seeded persons a migrant would sign in as: unclaimed, not merged away, with a permit, a registration
# and a document, spread over the population (md5 order) rather than the first ids written.
CANDIDATES_SQL = """
    SELECT p.id FROM profiles_person p
    WHERE p.user_id IS NULL AND p.merged_into_id IS NULL
      AND EXISTS (SELECT 1 FROM profiles_permit x WHERE x.person_id = p.id)
      AND EXISTS (SELECT 1 FROM profiles_migrationregistration x WHERE x.person_id = p.id)
      AND EXISTS (SELECT 1 FROM profiles_identitydocument x WHERE x.person_id = p.id)
    ORDER BY md5(p.id::text)
    LIMIT %s
"""


def accounts_ensure(env: dict[str, str], *, accounts: int) -> dict:
    """The bench accounts, each linked to its own seeded person, and a session for each."""
    _django(env)
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.utils.html import escape

    from cabinet.claim import person_claim_link
    from profiles.models import Person

    user_model = get_user_model()
    started = time.monotonic()
    users, created, linked = [], 0, 0
    for n in range(accounts):
        email = f"bench-{n:03d}@{EMAIL_DOMAIN}"
        user = user_model.objects.filter(email=email).first()
        if user is None:
            user = user_model.objects.create_user(username=email.split("@")[0] + "-cabinet", email=email, password=None)
            EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
            created += 1
        users.append(user)
    unlinked = [user for user in users if not Person.objects.filter(user=user).exists()]
    if unlinked:
        with connection.cursor() as cursor:
            cursor.execute(CANDIDATES_SQL, [len(unlinked)])
            person_ids = [row[0] for row in cursor.fetchall()]
        if len(person_ids) < len(unlinked):
            raise SystemExit(f"only {len(person_ids)} unclaimed persons with permits and registrations")
        for user, person_id in zip(unlinked, person_ids, strict=False):
            person_claim_link(person=Person.objects.get(pk=person_id), user=user)
            linked += 1
    sessions = []
    for user in users:
        client = Client()
        client.force_login(user)
        person = Person.objects.get(user=user)
        sessions.append(
            {
                "session": client.cookies["sessionid"].value,
                "person_id": person.pk,
                "marker": escape(person.latin_surname or person.cyrillic_surname),  # as the page shows it
            }
        )
    return {
        "persons": Person.objects.count(),
        "accounts_created": created,
        "accounts_linked": linked,
        "accounts_reused": accounts - linked,
        "accounts_seconds": round(time.monotonic() - started, 1),
        "sessions": sessions,
    }


def _shape(sql: str) -> str:
    """The query without its literals, to group the same query of different accounts."""
    return re.sub(r"\((\?, )+\?\)", "(?)", re.sub(r"'[^']*'|\b\d+\b", "?", sql))


def home_queries(env: dict[str, str], *, session_keys: list[str], rounds: int) -> dict:
    """Queries per home page (the whole request, and the selector alone) and the slowest one, EXPLAINed."""
    _django(env)
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from cabinet.selectors import cabinet_home_get

    per_page, per_selector, view_ms, first_visit = [], [], [], []
    times: dict[str, list[float]] = {}
    slowest: dict[str, tuple[float, str]] = {}
    user_model = get_user_model()
    for key in session_keys:
        client = Client(SERVER_NAME="127.0.0.1")
        client.cookies[settings.SESSION_COOKIE_NAME] = key
        # The first visit computes the home (and, in a fresh process, reads the law); the rounds after
        # it read the cached profile part.
        with CaptureQueriesContext(connection) as captured:
            assert client.get(HOME_PATH).status_code == 200
        first_visit.append(len(captured.captured_queries))
        for _ in range(rounds):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(HOME_PATH)
                view_ms.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.status_code
            per_page.append(len(captured.captured_queries))
            for query in captured.captured_queries:
                shape, seconds = _shape(query["sql"]), float(query["time"])
                times.setdefault(shape, []).append(seconds * 1000)
                if seconds >= slowest.get(shape, (-1.0, ""))[0]:
                    slowest[shape] = (seconds, query["sql"])
        user = user_model.objects.get(pk=client.session["_auth_user_id"])
        with CaptureQueriesContext(connection) as captured:
            cabinet_home_get(user=user, on=timezone.localdate())
        per_selector.append(len(captured.captured_queries))
    # The client-side times above include Python's share and waiting for a CPU; PostgreSQL's own time
    # per query is its EXPLAIN ANALYZE of the slowest instance of each query.
    explained = []
    with connection.cursor() as cursor:
        for shape, ms in times.items():
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {slowest[shape][1]}")
            plan = [row[0] for row in cursor.fetchall()]
            executed = next(float(line.split(":")[1].split()[0]) for line in plan if line.startswith("Execution Time"))
            explained.append((executed, statistics.mean(ms), shape, plan))
    explained.sort(key=lambda row: row[0], reverse=True)
    top = [
        {"sql": shape[:160], "execution_ms": executed, "client_mean_ms": round(mean, 2)}
        for executed, mean, shape, _ in explained[:5]
    ]
    heaviest_sql, plan = slowest[explained[0][2]][1], explained[0][3]
    return {
        "queries_first_visit": {"min": min(first_visit), "max": max(first_visit)},
        "queries_per_page": {"min": min(per_page), "max": max(per_page)},
        "queries_per_selector": {"min": min(per_selector), "max": max(per_selector)},
        "in_process_ms": {"p50": _round(statistics.median(view_ms)), "p95": _round(_pct(view_ms, 95))},
        "query_ms_per_page": _round(sum(sum(ms) for ms in times.values()) / len(per_page)),
        # Each query at the PostgreSQL time of its slowest instance: an upper bound of the database's share.
        "postgres_ms_per_page_at_most": _round(sum(row[0] * len(times[row[2]]) for row in explained) / len(per_page)),
        "slowest_queries": top,
        "heaviest_sql": heaviest_sql,
        "heaviest_plan": plan,
    }


def sessions_delete(env: dict[str, str], *, session_keys: list[str]) -> int:
    _django(env)
    from django.contrib.sessions.models import Session

    return Session.objects.filter(session_key__in=session_keys).delete()[0]


# --- The baseline database ---------------------------------------------------------------------------


def database_ensure(*, server: str, database: str, people: int) -> bool:
    """Create, migrate and seed `database` with the demo population unless it exists; True if created."""
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone():
            return False
        admin.execute(f'CREATE DATABASE "{database}"')
    env = {**os.environ, "DATABASE_URL": f"{server}/{database}", "DJANGO_DEBUG": "1", "LOG_LEVEL": "WARNING"}
    subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([PYTHON, "manage.py", "seed_demo", "--people", str(people)], cwd=ROOT, env=env, check=True)
    return True


# --- The server ---------------------------------------------------------------------------------------


class Server:
    """gunicorn serving the platform as in production: DEBUG off, secrets from the environment."""

    def __init__(self, *, env: dict[str, str], workers: int, threads: int, log: Path) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        command = [
            str(Path(PYTHON).parent / "gunicorn"),
            "migrant_platform.wsgi:application",
            f"--bind=127.0.0.1:{self.port}",
            f"--workers={workers}",
            f"--worker-class={'gthread' if threads > 1 else 'sync'}",
            f"--threads={threads}",
            "--timeout=60",
            "--worker-tmp-dir=/dev/shm",
            f"--error-logfile={log}",
        ]
        self.process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env})
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited ({self.process.returncode}); see {log}")
            try:
                status, _ = _get(self.port, "/healthz", cookie="")
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        self.stop()
        raise SystemExit(f"gunicorn did not answer /healthz in 60 s; see {log}")

    def worker_pids(self) -> list[int]:
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                pids.append(int(stat.parent.name))
        return pids

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _get(port: int, path: str, *, cookie: str, connection: http.client.HTTPConnection | None = None):
    own = connection is None
    connection = connection or http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        if own:
            connection.close()


def _cpu_seconds(pids: list[int]) -> dict[int, float]:
    ticks = os.sysconf("SC_CLK_TCK")
    seconds = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        seconds[pid] = (int(fields[11]) + int(fields[12])) / ticks
    return seconds


def _backend_pids(admin, database: str) -> list[int]:
    """The PostgreSQL backends serving `database` (`admin`: one connection to another database)."""
    rows = admin.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [database])
    return [row[0] for row in rows]


# --- The load -----------------------------------------------------------------------------------------


@dataclass
class Phase:
    name: str
    path: str
    seconds: float
    think: float  # mean think time; 0 for the closed loop
    jitter: float
    # (sent at, latency in ms, error or None) of every request, warm-up included.
    samples: list[tuple[float, float, str | None]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _user(port: int, accounts: list[dict], phase: Phase, start: float, stop: float, seed: int) -> None:
    """One person at a browser; with more accounts than users, each request is the next account's."""
    rng = random.Random(seed)
    turn = 0
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    # Interactive users do not arrive together: the first requests are spread over one think time.
    wake = start + (rng.uniform(0, phase.think) if phase.think else 0)
    while True:
        now = time.monotonic()
        if wake > now:
            time.sleep(max(0.0, min(wake, stop) - now))
        sent = time.monotonic()
        if sent >= stop:
            break
        account = accounts[turn % len(accounts)]
        cookie, marker = f"sessionid={account['session']}", account["marker"].encode()
        turn += 1
        try:
            status, body = _get(port, phase.path, cookie=cookie, connection=connection)
            error = None if status == 200 else f"HTTP {status}"
            if error is None and phase.path == HOME_PATH and not (b'id="status-card"' in body and marker in body):
                error = "not the user's home page"
        except (OSError, http.client.HTTPException) as exc:
            error = type(exc).__name__
            connection.close()
        elapsed_ms = (time.monotonic() - sent) * 1000
        with phase.lock:
            phase.samples.append((sent, elapsed_ms, error))
        pause = rng.uniform(phase.think - phase.jitter, phase.think + phase.jitter) if phase.think else 0
        wake = time.monotonic() + pause
    connection.close()


def phase_run(*, phase: Phase, port: int, sessions: list[dict], users: int, cpu_pids, warmup: float) -> dict:
    """Run the users for warmup + phase.seconds; report the requests sent after the warm-up.

    `cpu_pids()` answers (gunicorn worker pids, PostgreSQL backend pids): their CPU per request is
    what a machine of any load pays for a page. Sampled every half second, because Django closes its
    connection after DB_CONN_MAX_AGE (60 s) and a backend's CPU is gone from /proc when it exits.
    """
    start = time.monotonic()
    measure_from, stop = start + warmup, start + warmup + phase.seconds
    browsers = [
        threading.Thread(target=_user, args=(port, sessions[n::users], phase, start, stop, n), daemon=True)
        for n in range(users)
    ]
    for browser in browsers:
        browser.start()
    time.sleep(max(0.0, measure_from - time.monotonic()))
    load_before = os.getloadavg()
    cpu_before, client_before = [_cpu_seconds(pids) for pids in cpu_pids()], _own_cpu()
    cpu_seen: list[dict[int, float]] = [dict(before) for before in cpu_before]
    while any(browser.is_alive() for browser in browsers):
        for seen, pids in zip(cpu_seen, cpu_pids(), strict=True):
            seen.update(_cpu_seconds(pids))
        time.sleep(0.5)
    for browser in browsers:
        browser.join()
    # The requests in flight at `stop` finish and count; the wall time runs to the last of them.
    wall = time.monotonic() - measure_from
    for seen, pids in zip(cpu_seen, cpu_pids(), strict=True):
        seen.update(_cpu_seconds(pids))
    client_cpu = _own_cpu() - client_before
    python_cpu, postgres_cpu = (
        sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())
        for before, after in zip(cpu_before, cpu_seen, strict=True)
    )
    server_cpu = python_cpu + postgres_cpu
    measured = [(ms, error) for sent, ms, error in phase.samples if sent >= measure_from]
    latencies = sorted(ms for ms, _ in measured)
    errors = [error for _, error in measured if error]
    requests = len(latencies)
    return {
        "users": users,
        "accounts": len(sessions),
        "path": phase.path,
        "think_s": phase.think,
        "jitter_s": phase.jitter,
        "seconds": round(wall, 1),
        "requests": requests,
        "errors": len(errors),
        "error_kinds": sorted(set(errors))[:5],
        "warmup_errors": sum(1 for sent, _, error in phase.samples if error and sent < measure_from),
        "per_second": round(requests / wall, 1),
        "p50_ms": _round(_pct(latencies, 50)),
        "p95_ms": _round(_pct(latencies, 95)),
        "p99_ms": _round(_pct(latencies, 99)),
        "max_ms": _round(latencies[-1]) if latencies else None,
        "server_cpu_ms_per_request": _round(server_cpu * 1000 / requests) if requests else None,
        "gunicorn_cpu_ms_per_request": _round(python_cpu * 1000 / requests) if requests else None,
        "postgres_cpu_ms_per_request": _round(postgres_cpu * 1000 / requests) if requests else None,
        "client_cpu_ms_per_request": _round(client_cpu * 1000 / requests) if requests else None,
        "load_average": [round(x, 1) for x in load_before] + [round(x, 1) for x in os.getloadavg()],
    }


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _pct(values: list[float], percent: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)  # nearest rank
    return ordered[max(0, math.ceil(percent / 100 * len(ordered)) - 1)]


def _round(value: float | None) -> float | None:
    return None if value is None or value != value else round(value, 1)


# --- One database ---------------------------------------------------------------------------------------


def database_bench(*, args: argparse.Namespace, database: str, secrets_env: dict[str, str]) -> dict:
    url = f"{args.server}/{database}"
    env = {
        **secrets_env,
        "DATABASE_URL": url,
        "DJANGO_DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
        **({"REDIS_URL": args.redis_url} if args.redis_url else {}),
    }
    print(f"[{database}] accounts and sessions ...", flush=True)
    prepared = _in_child(accounts_ensure, env, accounts=args.accounts)
    sessions = prepared.pop("sessions")
    keys = [s["session"] for s in sessions]
    report = {"database": database, **prepared}
    print(f"[{database}] {json.dumps(report)}", flush=True)
    try:
        print(f"[{database}] query count and the slowest query ...", flush=True)
        report["home"] = _in_child(home_queries, env, session_keys=keys[: args.users], rounds=args.query_rounds)
        home = report["home"]
        print(
            f"[{database}] {home['queries_first_visit']} queries on a first visit, {home['queries_per_page']} on the next ({home['queries_per_selector']} in "
            f"cabinet_home_get), in process p50 {home['in_process_ms']['p50']} ms, "
            f"SQL {home['query_ms_per_page']} ms per page seen from Python, at most "
            f"{home['postgres_ms_per_page_at_most']} ms in PostgreSQL",
            flush=True,
        )
        import psycopg

        admin = psycopg.connect(f"{args.server}/postgres", autocommit=True)
        log = Path(args.log_dir) / f"cabinet_bench_{database}_gunicorn.log"
        server = Server(env=env, workers=args.workers, threads=args.threads, log=log)
        report["server"] = {"workers": args.workers, "threads": args.threads, "log": str(log)}

        def cpu_pids() -> tuple[list[int], list[int]]:
            return server.worker_pids(), _backend_pids(admin, database)

        phases = [Phase("think", HOME_PATH, args.seconds, args.think, args.jitter)]
        phases.append(Phase("stress", HOME_PATH, args.stress_seconds, 0.0, 0.0))
        if args.inbox:
            phases.append(Phase("inbox", INBOX_PATH, args.stress_seconds, args.think, args.jitter))
        try:
            for phase in phases:
                result = phase_run(
                    phase=phase,
                    port=server.port,
                    sessions=sessions,
                    users=args.users,
                    cpu_pids=cpu_pids,
                    warmup=args.warmup,
                )
                report[phase.name] = result
                print(f"[{database}] {phase.name}: {json.dumps(result)}", flush=True)
        finally:
            server.stop()
        if args.uncached:
            # The baseline in the same run: every home computed and rendered afresh, as on a first visit.
            log = Path(args.log_dir) / f"cabinet_bench_{database}_gunicorn_uncached.log"
            server = Server(env={**env, "CABINET_HOME_CACHE_SECONDS": "0"}, workers=args.workers,
                            threads=args.threads, log=log)  # fmt: skip
            try:
                phase = Phase("think_uncached", HOME_PATH, args.seconds, args.think, args.jitter)
                result = phase_run(
                    phase=phase, port=server.port, sessions=sessions, users=args.users, cpu_pids=cpu_pids,
                    warmup=args.warmup,
                )  # fmt: skip
                report[phase.name] = result
                print(f"[{database}] {phase.name}: {json.dumps(result)}", flush=True)
            finally:
                server.stop()
        admin.close()
    finally:
        _in_child(sessions_delete, env, session_keys=keys)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", required=True, help="a seeded, migrated database (e.g. seed_1m)")
    parser.add_argument("--baseline-database", default="cabbench_small", help="'' for none; created if missing")
    parser.add_argument("--baseline-people", type=int, default=5_000)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL")
    parser.add_argument(
        "--accounts", type=int, default=50, help="bench accounts (>= --users); users take turns over them"
    )
    parser.add_argument("--users", type=int, default=50, help="concurrent users")
    parser.add_argument("--seconds", type=float, default=60, help="the think-time phase")
    parser.add_argument("--stress-seconds", type=float, default=30, help="the closed-loop (and inbox) phase")
    parser.add_argument("--warmup", type=float, default=5)
    parser.add_argument("--think", type=float, default=1.0, help="mean think time, seconds")
    parser.add_argument("--jitter", type=float, default=0.5, help="think time is uniform in think ± jitter")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=1, help="threads per worker (> 1: gthread workers)")
    parser.add_argument("--inbox", action="store_true", help="also a think-time phase on /cabinet/inbox/")
    parser.add_argument("--query-rounds", type=int, default=2, help="in-process home pages per account")
    parser.add_argument("--log-dir", default="/tmp")
    parser.add_argument(
        "--redis-url", default="", help="the servers' cache (REDIS_URL), as in production; default: per-process"
    )
    parser.add_argument(
        "--uncached", action="store_true", help="also the think phase with the home cache off (every visit a first)"
    )
    args = parser.parse_args()
    if args.accounts < args.users:
        parser.error("--accounts must be at least --users")

    # Production mode needs both secrets from the environment (settings.py, services.checks): fresh ones.
    secrets_env = {
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "CERTIFICATE_SIGNING_KEY": base64.b64encode(os.urandom(32)).decode(),
    }
    report: dict = {
        "cpus": os.cpu_count(),
        "load_model": {
            "users": args.users,
            "think": f"each user: GET {HOME_PATH}, read it, wait U({args.think - args.jitter:g}, "
            f"{args.think + args.jitter:g}) s, repeat; first requests spread over one think time",
            "stress": "the same users with no think time (closed loop)",
            "server": f"gunicorn, {args.workers} {'gthread' if args.threads > 1 else 'sync'} worker(s)"
            + (f" x {args.threads} threads" if args.threads > 1 else "")
            + ", DEBUG off"
            + (f", cache {args.redis_url}" if args.redis_url else ", per-process cache"),
        },
        "target_p95_ms": TARGET_P95_MS,
    }
    print("load model:", json.dumps(report["load_model"]), flush=True)
    databases = []
    if args.baseline_database:
        report["baseline_created"] = database_ensure(
            server=args.server, database=args.baseline_database, people=args.baseline_people
        )
        databases.append(("baseline", args.baseline_database))
    databases.append(("main", args.database))
    for role, database in databases:
        report[role] = database_bench(args=args, database=database, secrets_env=secrets_env)
    main_think = report["main"]["think"]
    report["target_met"] = main_think["errors"] == 0 and main_think["p95_ms"] < TARGET_P95_MS
    report["load_average_end"] = [round(x, 1) for x in os.getloadavg()]

    print()
    print(f"{'database':20} {'persons':>10} {'model':14} {'req':>6} {'err':>4} {'req/s':>7} "
          f"{'p50':>7} {'p95':>7} {'p99':>7} {'max':>7} {'cpu ms/req py+pg':>17} {'load':>5}")  # fmt: skip
    for role, database in databases:
        for model in ("think", "stress", "inbox", "think_uncached"):
            row = report[role].get(model)
            if row:
                print(
                    f"{database:20} {report[role]['persons']:>10,} {model:14} {row['requests']:>6} {row['errors']:>4} "
                    f"{row['per_second']:>7} {row['p50_ms']:>7} {row['p95_ms']:>7} {row['p99_ms']:>7} "
                    f"{row['max_ms']:>7} {row['gunicorn_cpu_ms_per_request']!s:>8} + {row['postgres_cpu_ms_per_request']!s:>6} {row['load_average'][-3]:>5}"
                )
    verdict = "met" if report["target_met"] else "MISSED"
    print(f"target p95 < {TARGET_P95_MS:g} ms for {args.users} users on {args.database}: {verdict}")
    home = report["main"]["home"]
    print(f"heaviest query on {args.database} (PostgreSQL {home['slowest_queries'][0]['execution_ms']} ms):")
    print("  " + home["heaviest_sql"][:400])
    for line in home["heaviest_plan"]:
        print("    " + line)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
