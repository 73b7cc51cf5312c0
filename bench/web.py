"""Web benchmark: the payments page next to a bare route, under gunicorn, on PostgreSQL.

What it does, in one run:
1. creates a throwaway PostgreSQL database (the machine's server on 127.0.0.1:5432, or a
   throwaway server like the tests), migrates it and seeds one pensioner with ten years of
   monthly payments (120 months);
2. starts ``gunicorn -w 2 -k gthread --threads 4 wsgi:app`` on a loopback port, logs in;
3. loads ``/space/payments`` (logged in), an older year opened by htmx (the year view)
   and ``/healthz`` (the bare route) with 16 concurrent keep-alive clients for a fixed
   time each, and prints requests/s, p50 and p95;
4. times the attestation PDF: first render (in-process ``jobs.pdf.render_attestation`` after
   clearing the cached PDF) and cached (the download route, and the job returning early);
5. stops gunicorn, measures the CPU cost per request in-process (where the time goes, and
   a figure that other load on the machine disturbs much less than throughput), and drops
   the database.

The server, the load generator and PostgreSQL share the machine's CPUs, as the header line
says with the load average: compare the two routes of one run, not runs of different days.

Run: ``.venv/bin/python bench/web.py`` (``--help`` for the knobs). Loopback only.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
# The repository, not bench/, first: bench/mrz.py must not shadow the `mrz` package.
sys.path[0] = str(ROOT)

import psycopg  # noqa: E402

from tests.services import free_port, postgres_server_url  # noqa: E402

DP, PASSWORD = "DP900001", "Bench2026!"
YEARS_OF_PAYMENTS = 10
# Issue #11's aims: payments >= 50 % of the bare route's req/s, p95 < 50 ms at 16 clients,
# a revalidation (304) under 5 ms of CPU.
AIM_RATIO, AIM_P95_MS, AIM_FIRST_RENDER_MS, AIM_304_CPU_MS = 0.50, 50.0, 400.0, 5.0


# --- Database --------------------------------------------------------------------------------


def create_database() -> tuple[str, str]:
    """A fresh database; returns (server URL, database URL)."""
    server = postgres_server_url()
    name = f"dv_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return server, server.rsplit("/", 1)[0] + "/" + name


def drop_database(server: str, url: str) -> None:
    """Drop the benchmark database (connections are closed by force)."""
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def migrate_and_seed(url: str) -> int:
    """Apply the migrations and add one pensioner with ten years of payments; returns a year
    that has a complete attestation."""
    from webapp import create_app
    from webapp.db import get_session
    from webapp.models import AccountStatus, Pensioner
    from webapp.services import demo, pensioners as pensioner_svc
    from webapp.services.passwords import hash_password

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "REDIS_URL": ""})
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    if result.exit_code != 0:
        raise RuntimeError(f"migration failed:\n{result.output}")
    today = date.today()
    last = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    with app.app_context():
        session = get_session()
        p = Pensioner(
            dp_number=DP,
            last_name="BENCHMARK",
            first_name="Amina",
            birth_date=date(1946, 2, 14),
            nationality="MAR",
            passport_number="BX0000001",
            id_number="BK000001",
            email="amina.benchmark@example.ma",
            city="Casablanca",
            country="MAR",
            language="fr",
            account_status=AccountStatus.ACTIVE.value,
            password_hash=hash_password(PASSWORD),
        )
        session.add(p)
        session.flush()
        first_year = last[0] - YEARS_OF_PAYMENTS + (1 if last[1] == 12 else 0)
        payments = demo._payments_for(p.id, 9879.43, first_year, last)
        payments = payments[-YEARS_OF_PAYMENTS * 12 :]
        session.add_all(payments)
        pensioner_svc.add_alert(session, p.id, "welcome")
        session.commit()
    app.extensions["db_engine"].dispose()
    return last[0] - 1


# --- Server ----------------------------------------------------------------------------------


def start_gunicorn(url: str, port: int, workers: int, threads: int, log: Path):
    """gunicorn on loopback with inline jobs; returns the process once /healthz answers."""
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": "bench-" + uuid.uuid4().hex,
        "REDIS_URL": "",
        "APP_ENV": "development",
    }
    cmd = [
        str(Path(sys.executable).parent / "gunicorn"),
        "-w",
        str(workers),
        "-k",
        "gthread",
        "--threads",
        str(threads),
        "-b",
        f"127.0.0.1:{port}",
        "--error-logfile",
        str(log),
        "wsgi:app",
    ]
    proc = subprocess.Popen(
        cmd,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited:\n{log.read_text()}")
        try:
            status, _body, _cookies = request(port, "GET", "/healthz")
            if status == 200:
                return proc
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer on /healthz")


def stop(proc: subprocess.Popen) -> None:
    """Stop gunicorn (its own process group: the arbiter and its workers)."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def request(
    port: int, method: str, path: str, body: str | None = None, cookie: str = ""
) -> tuple[int, bytes, dict[str, str]]:
    """One HTTP request on a new connection: (status, body, cookies set)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Cookie": cookie} if cookie else {}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    conn.request(method, path, body=body, headers=headers)
    resp = conn.getresponse()
    data = resp.read()
    cookies = {}
    for name, value in resp.getheaders():
        if name.lower() == "set-cookie":
            key, _, rest = value.partition("=")
            cookies[key] = rest.split(";", 1)[0]
    conn.close()
    return resp.status, data, cookies


def login(port: int) -> str:
    """Log the benchmark pensioner in (with the CSRF token); returns the Cookie header."""
    status, page, cookies = request(port, "GET", "/auth/login")
    token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page)
    if status != 200 or not token:
        raise RuntimeError("no login form")
    form = urlencode({"csrf_token": token.group(1).decode(), "dp_number": DP, "password": PASSWORD})
    cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
    status, _page, new = request(port, "POST", "/auth/login", form, cookie)
    if status != 302:
        raise RuntimeError(f"login failed ({status})")
    cookies.update(new)
    cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
    status, page, _ = request(port, "GET", "/space/payments", cookie=cookie)
    # This year and last are open; the older years load when opened.
    if status != 200 or not 12 <= page.count(b'class="payment"') <= 24:
        raise RuntimeError(f"payments page not as expected ({status})")
    return cookie


# --- Load ------------------------------------------------------------------------------------


def _client_loop(
    port: int,
    path: str,
    cookie: str,
    extra: dict[str, str],
    start: float,
    stop_at: float,
    out: list,
    errors: list,
) -> None:
    headers = {"Cookie": cookie, **extra} if cookie else dict(extra)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    latencies, failed = [], 0
    while True:
        now = time.perf_counter()
        if now >= stop_at:
            break
        try:
            conn.request("GET", path, headers=headers)
            resp = conn.getresponse()
            resp.read()
            ok = resp.status == 200
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            failed += 1
            continue
        done = time.perf_counter()
        if now >= start:  # requests started during the warm-up are not counted
            if ok:
                latencies.append(done - now)
            else:
                failed += 1
    conn.close()
    out.extend(latencies)
    errors.append(failed)


def _process(args) -> tuple[list[float], int]:
    port, path, cookie, extra, threads, warmup, duration = args
    start = time.perf_counter() + warmup
    stop_at = start + duration
    out: list[float] = []
    errors: list[int] = []
    workers = [
        threading.Thread(
            target=_client_loop, args=(port, path, cookie, extra, start, stop_at, out, errors)
        )
        for _ in range(threads)
    ]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    return out, sum(errors)


@dataclass
class Phase:
    """What one load phase measured."""

    name: str
    requests: int
    errors: int
    duration: float
    p50_ms: float
    p95_ms: float

    @property
    def rps(self) -> float:
        return self.requests / self.duration


def load(
    port: int,
    name: str,
    path: str,
    cookie: str,
    clients: int,
    processes: int,
    warmup: float,
    duration: float,
    extra: dict[str, str] | None = None,
) -> Phase:
    """``clients`` keep-alive connections spread over ``processes`` client processes (so the
    client's own GIL is not the bottleneck), each asking for ``path`` in a loop."""
    per = [clients // processes + (1 if i < clients % processes else 0) for i in range(processes)]
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        results = pool.map(
            _process, [(port, path, cookie, extra or {}, n, warmup, duration) for n in per]
        )
    latencies = sorted(x for lat, _ in results for x in lat)
    errors = sum(e for _, e in results)
    if not latencies:
        raise RuntimeError(f"{name}: no successful request")
    q = statistics.quantiles(latencies, n=100, method="inclusive")
    return Phase(name, len(latencies), errors, duration, q[49] * 1000, q[94] * 1000)


# --- Where the time goes --------------------------------------------------------------------


def cpu_breakdown(url: str, repeat: int = 40) -> list[tuple[str, float]]:
    """CPU ms per request in-process (Flask test client, no HTTP server), best of 3 runs:
    separates the page's own cost from the logged-in baseline every page pays, and is far
    less sensitive than throughput to other load on the machine."""
    from webapp import create_app

    app = create_app(
        {"DATABASE_URL": url, "SECRET_KEY": "bench", "REDIS_URL": "", "WTF_CSRF_ENABLED": False}
    )
    anonymous, pensioner = app.test_client(), app.test_client()
    pensioner.post("/auth/login", data={"dp_number": DP, "password": PASSWORD})
    rows = []
    first = pensioner.get("/space/payments")
    etag = first.headers["ETag"]
    older = re.search(r'hx-get="/space/payments/(\d{4})"', first.get_data(as_text=True))
    year_path = f"/space/payments/{older.group(1) if older else 2020}"
    year_headers = {"HX-Request": "true", "HX-Target": f"payments-{year_path[-4:]}"}
    for name, client, path, headers in (
        ("/healthz, anonymous", anonymous, "/healthz", {}),
        ("/healthz, logged in", pensioner, "/healthz", {}),
        ("/guide/, logged in", pensioner, "/guide/", {}),
        ("/space/payments, full page", pensioner, "/space/payments", {}),
        ("/space/payments, htmx partial", pensioner, "/space/payments", {"HX-Request": "true"}),
        (
            "/space/payments, revalidated (304)",
            pensioner,
            "/space/payments",
            {"If-None-Match": etag},
        ),
        ("an older year opened (htmx)", pensioner, year_path, year_headers),
    ):
        for _ in range(5):
            client.get(path, headers=headers)
        runs = []
        for _ in range(3):
            t0 = time.process_time()
            for _ in range(repeat):
                client.get(path, headers=headers)
            runs.append((time.process_time() - t0) / repeat * 1000)
        rows.append((name, min(runs)))
    app.extensions["db_engine"].dispose()
    return rows


# --- Attestation PDF -------------------------------------------------------------------------


def time_pdf(
    url: str, port: int, cookie: str, year: int, repeat: int
) -> dict[str, tuple[float, float | None]]:
    """Attestation render times in ms, (wall clock, CPU): first render (the cached PDF
    cleared each time) and cached; medians of ``repeat``."""
    from sqlalchemy import delete
    from sqlmodel import col, select

    from jobs.pdf import render_attestation
    from webapp import create_app
    from webapp.db import get_session
    from webapp.models import AttestationPdf, Pensioner
    from webapp.services import attestations

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "REDIS_URL": ""})
    out: dict[str, tuple[float, float | None]] = {}

    def timed(func) -> tuple[float, float]:
        wall, cpu = time.perf_counter(), time.process_time()
        func()
        return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000

    def median(samples: list[tuple[float, float]]) -> tuple[float, float]:
        return (statistics.median(w for w, _ in samples), statistics.median(c for _, c in samples))

    with app.app_context():  # as in a worker: an application context, no request
        session = get_session()
        pensioner = session.exec(select(Pensioner).where(Pensioner.dp_number == DP)).one()
        att = attestations.get_or_issue(session, pensioner, year)

        def uncached(lang: str = "fr") -> tuple[float, float]:
            session.execute(
                delete(AttestationPdf).where(
                    col(AttestationPdf.attestation_id) == att.id, col(AttestationPdf.lang) == lang
                )
            )
            session.commit()
            return timed(lambda: render_attestation(att.id, lang))

        out["first render in a fresh process (imports)"] = uncached()
        for lang in ("fr", "ar", "en"):
            out[f"first render {lang} (cache cleared), median"] = median(
                [uncached(lang) for _ in range(repeat)]
            )
        out["cached: job returns early, median"] = median(
            [timed(lambda: render_attestation(att.id)) for _ in range(repeat)]
        )
    app.extensions["db_engine"].dispose()
    download = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        status, body, _ = request(port, "GET", f"/space/attestation/{year}.pdf", cookie=cookie)
        download.append((time.perf_counter() - t0) * 1000)
        if status != 200 or not body.startswith(b"%PDF"):
            raise RuntimeError(f"download failed ({status})")
    out["cached: download route over HTTP, median"] = (statistics.median(download), None)
    return out


# --- Report ----------------------------------------------------------------------------------


def report(
    phases: list[Phase],
    pdf: dict[str, tuple[float, float | None]],
    cpu: list[tuple[str, float]],
    args,
) -> bool:
    """Print the tables; True when every aim is met."""
    payments, year_view, bare = phases
    ratio = payments.rps / bare.rps
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"\ngunicorn -w {args.workers} -k gthread --threads {args.threads}, "
        f"{args.clients} concurrent keep-alive clients, {args.duration:.0f} s per phase, "
        f"{os.cpu_count()} CPUs shared by server, client and PostgreSQL "
        f"(load average {load})\n"
    )
    print(f"{'route':<34}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'requests':>10}{'errors':>8}")
    for ph in phases:
        print(
            f"{ph.name:<34}{ph.rps:>9.0f}{ph.p50_ms:>9.1f}{ph.p95_ms:>9.1f}"
            f"{ph.requests:>10}{ph.errors:>8}"
        )
    print(f"{'ratio payments / bare':<34}{ratio:>9.0%}")
    print(f"\n{'in-process CPU per request':<46}{'ms':>8}")
    for name, ms in cpu:
        print(f"{name:<46}{ms:>8.2f}")
    print(f"\n{'attestation PDF':<46}{'wall ms':>9}{'CPU ms':>9}")
    for name, (wall, cpu_ms) in pdf.items():
        print(f"{name:<46}{wall:>9.1f}{'' if cpu_ms is None else f'{cpu_ms:.1f}':>9}")
    # The slowest language's warm first render (Arabic shapes text and embeds its fonts).
    first = max(wall for name, (wall, _) in pdf.items() if "(cache cleared)" in name)
    cpu_304 = dict(cpu)["/space/payments, revalidated (304)"]
    aims = [
        (f"payments >= {AIM_RATIO:.0%} of bare throughput", ratio >= AIM_RATIO),
        (f"payments p95 < {AIM_P95_MS:.0f} ms", payments.p95_ms < AIM_P95_MS),
        (f"a 304 < {AIM_304_CPU_MS:.0f} ms of CPU", cpu_304 < AIM_304_CPU_MS),
        (
            f"first render in each language < {AIM_FIRST_RENDER_MS:.0f} ms",
            first < AIM_FIRST_RENDER_MS,
        ),
        ("no failed request", payments.errors == year_view.errors == bare.errors == 0),
    ]
    print()
    for text, ok in aims:
        print(f"{'met   ' if ok else 'MISSED'} {text}")
    return all(ok for _, ok in aims)


def main(argv: list[str] | None = None) -> int:
    """Run the whole benchmark and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per phase")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds before measuring")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--client-processes", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--pdf-repeat", type=int, default=7)
    args = parser.parse_args(argv)

    server, url = create_database()
    proc = None
    try:
        print(
            f"database {url.rsplit('/', 1)[1]}: migrating, seeding "
            f"{YEARS_OF_PAYMENTS * 12} monthly payments",
            flush=True,
        )
        year = migrate_and_seed(url)
        port = free_port()
        with tempfile.TemporaryDirectory(prefix="dv-bench-") as tmp:
            proc = start_gunicorn(url, port, args.workers, args.threads, Path(tmp) / "log")
            cookie = login(port)
            phases = []
            older = f"/space/payments/{year - 3}"
            for name, path, cookie_used, extra in (
                ("/space/payments (by year, 2 open)", "/space/payments", cookie, {}),
                (
                    "an older year opened (htmx)",
                    older,
                    cookie,
                    {"HX-Request": "true", "HX-Target": f"payments-{year - 3}"},
                ),
                ("/healthz (bare route)", "/healthz", "", {}),
            ):
                print(f"loading {path} ...", flush=True)
                phases.append(
                    load(
                        port,
                        name,
                        path,
                        cookie_used,
                        args.clients,
                        args.client_processes,
                        args.warmup,
                        args.duration,
                        extra,
                    )
                )
            print("timing the attestation PDF ...", flush=True)
            pdf = time_pdf(url, port, cookie, year, args.pdf_repeat)
        stop(proc)
        print("in-process CPU per request ...", flush=True)
        cpu = cpu_breakdown(url)
        report(phases, pdf, cpu, args)
        return 0  # a missed aim is reported in the table, not an error: `make bench` goes on
    finally:
        if proc is not None:
            stop(proc)
        drop_database(server, url)


if __name__ == "__main__":
    sys.exit(main())
