"""Load benchmark: wol's main pages under gunicorn and wrk, at the size of a real organisation.

Seeds a database (SQLite in a temporary folder, or the PostgreSQL of WOL_TEST_DATABASE_URL as
`scripts/with-postgres` sets it) with 10,000 people and 2,000 circles with their meetings,
memberships and check-ins, serves wol with gunicorn on 127.0.0.1 (2 workers, production mode),
and drives each page with wrk at 20 connections. Every page is reported as requests/s, p50, p95
and p99, and as a ratio to a trivial endpoint of the same app measured in the same run, so the
numbers compare across machines and load.

    .venv/bin/python bench/load.py [--users 10000] [--circles 2000] [--seconds 5]
    scripts/with-postgres .venv/bin/python bench/load.py

Targets (issue "fast at organisation scale"): every page at 0.40 of the bare endpoint or more,
a 304 from the feed at 0.90 or more, p99 under 100 ms.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import create_engine, insert, select, text  # noqa: E402
from werkzeug.security import generate_password_hash  # noqa: E402

from wol import create_app  # noqa: E402
from wol.extensions import db  # noqa: E402
from wol.paths import resource_dir  # noqa: E402

PASSWORD = "load bench password"  # noqa: S105 - throw-away accounts in a throw-away database
SECRET = "load-bench-" + "x" * 40
# Every request of the run comes from one browser, as a person's visits do: signing in keeps a
# fingerprint of the browser in the session (Flask-Login's session protection), and a request
# from another one makes the session new again, with a new cookie on every answer.
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) wol-load-bench"
ORGANISER = "els@bench.example"
PARTICIPANT = "bram@bench.example"
WEEKDAYS_TIMES = [clock_time(h, m) for h in (8, 9, 12, 14, 16) for m in (0, 30)]
ROUND_SLOTS = ("1@12:00", "2@12:00", "3@08:30", "4@12:00", "2@15:00")
DEPARTMENTS = ["Finance", "HR", "IT", "Policy", "Communication", "Legal", "Facilities", "Data"]
REPORT_LUA = r"""
done = function(summary, latency, requests)
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "p50": %d, "p95": %d, "p99": %d, "bad": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), summary.errors.status + summary.errors.connect
      + summary.errors.read + summary.errors.timeout))
end
"""
TARGET_PAGE, TARGET_304, TARGET_P99_MS = 0.40, 0.90, 100


@dataclass
class Result:
    """One page under load."""

    name: str
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    bad: int
    target: float | None = None


# --- seeding -----------------------------------------------------------------------------------


def seed(url: str, users: int, circles: int, rng: random.Random, signups_wanted: int = 500) -> dict:
    """Fill the schema at ``url`` with an organisation; return what the pages need."""
    started = time.perf_counter()
    app = create_app({"WOL_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade(directory=str(resource_dir("migrations")))
        tables = db.metadata.tables
        now = datetime.now(UTC)
        password_hash = generate_password_hash(PASSWORD, method="scrypt:1024:8:1")
        people = []
        for n in range(users):
            email = {0: ORGANISER, 1: PARTICIPANT}.get(n, f"person{n}@bench.example")
            people.append(
                {
                    "id": n + 1,
                    "email": email,
                    "email_key": email,
                    "password_hash": password_hash,
                    "display_name": f"Person {n}",
                    "language": rng.choice(["nl", "nl", "en"]),
                    "timezone": "Europe/Brussels",
                    "organisation": rng.choice(DEPARTMENTS),
                    "is_organiser": n == 0,
                    "feed_token": f"bench-feed-token-{n:06d}-" + "f" * 30,
                    "created_at": now,
                }
            )
        db.session.execute(insert(tables["users"]), people)

        circle_rows, member_rows, meeting_rows = [], [], []
        brussels = ZoneInfo("Europe/Brussels")
        for c in range(circles):
            circle_id = c + 1
            # The organiser looks after 40 circles and is a member of 5; the participant of 5.
            organiser_id = 1 if c < 40 else rng.randrange(3, users + 1)
            first_day = date.today() + timedelta(days=rng.randrange(-120, 60))
            local_time = rng.choice(WEEKDAYS_TIMES)
            members = set(rng.sample(range(3, users + 1), rng.choice([4, 4, 5])))
            if c < 5:
                members = set(list(members)[:3]) | {1, 2}
            circle_rows.append(
                {
                    "id": circle_id,
                    "name": f"Circle {c}",
                    "description": "A bench circle.",
                    "language": rng.choice(["nl", "en"]),
                    "timezone": "Europe/Brussels",
                    "first_day": first_day,
                    "local_time": local_time,
                    "duration_minutes": 60,
                    "kind": "in_person",
                    "place": "Room 4.12",
                    "organiser_id": organiser_id,
                    "invite_token": f"bench-invite-{c:06d}-" + "i" * 30,
                    "seats_taken": len(members),
                    "calendar_sequence": 0,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            for user_id in sorted(members):
                member_rows.append({"circle_id": circle_id, "user_id": user_id, "joined_at": now})
            for week in range(1, 13):
                local = datetime.combine(
                    first_day + timedelta(weeks=week - 1), local_time, brussels
                )
                starts_at = local.astimezone(UTC)
                held = starts_at < now and rng.random() < 0.8
                meeting_rows.append(
                    {
                        "circle_id": circle_id,
                        "week": week,
                        "slot": week - 1,
                        "starts_at": starts_at,
                        "moved": False,
                        "held_at": starts_at + timedelta(hours=1) if held else None,
                        "held_recorded_by_id": min(members) if held else None,
                    }
                )
        # The forming page: an open sign-up round of the organiser with 500 sign-ups.
        monday = date.today() - timedelta(days=date.today().weekday())
        db.session.execute(
            insert(tables["rounds"]),
            [
                {
                    "id": 1,
                    "title": "Bench round",
                    "organiser_id": 1,
                    "languages": "nl en",
                    "slots": " ".join(ROUND_SLOTS),
                    "timezone": "Europe/Brussels",
                    "first_week": monday + timedelta(weeks=4),
                    "deadline_at": now + timedelta(days=14),
                    "kind": "online",
                    "signup_token": "bench-round-" + "r" * 30,
                    "state": "open",
                    "version": 0,
                    "created_at": now,
                }
            ],
        )
        signups = []
        for n in range(min(signups_wanted, users - 2)):
            person = people[n + 2]
            signups.append(
                {
                    "round_id": 1,
                    "user_id": person["id"],
                    "email": person["email"],
                    "email_key": person["email_key"],
                    "name": person["display_name"],
                    "department": person["organisation"],
                    "languages": person["language"],
                    "slots": " ".join(sorted(rng.sample(ROUND_SLOTS, rng.randint(1, 3)))),
                    "created_at": now,
                    "updated_at": now,
                }
            )
        db.session.execute(insert(tables["round_signups"]), signups)
        db.session.execute(insert(tables["circles"]), circle_rows)
        db.session.execute(insert(tables["memberships"]), member_rows)
        db.session.execute(insert(tables["meetings"]), meeting_rows)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            # Statistics, as a live database has them: without them PostgreSQL plans the
            # first minutes' queries blind (a join read every user, say).
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        participant_feed = db.session.scalar(
            select(tables["users"].c.feed_token).where(tables["users"].c.id == 2)
        )
        db.engine.dispose()
    print(
        f"Seeded {users:,} people, {circles:,} circles, {len(member_rows):,} memberships, "
        f"{len(meeting_rows):,} meetings and a round of {len(signups)} sign-ups in "
        f"{time.perf_counter() - started:.1f} s"
    )
    return {"circle_id": 1, "feed_token": participant_feed, "round_id": 1}


# --- serving -----------------------------------------------------------------------------------


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(url: str, workers: int, workdir: Path) -> tuple[subprocess.Popen, str]:
    """Start gunicorn with wol plus a bare endpoint; return the process and its base URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "WOL_ENV": "production",
        "SECRET_KEY": SECRET,
        "DATABASE_URL": url,
        "BASE_URL": base,
        "MAIL_BACKEND": "file",
        "MAIL_FILE_DIR": str(workdir / "mail"),
        "PYTHONPATH": f"{ROOT / 'bench'}:{ROOT}",
    }
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    process = subprocess.Popen(
        [
            gunicorn,
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "load_app:app",
        ],
        env=env,
        cwd=workdir,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/_bench/bare", timeout=2) as response:
                if response.status == 200:
                    return process, base
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("gunicorn did not start")


def sign_in(base: str, email: str) -> str:
    """Sign in through the real form; return the Cookie header of the session."""
    opener = urllib.request.build_opener(_NoRedirect)
    with opener.open(urllib.request.Request(base + "/login", headers=_browser())) as response:
        page = response.read().decode()
        cookies = _cookies(response.headers.get_all("Set-Cookie") or [])
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"email": email, "password": PASSWORD, "csrf_token": token})
    request = urllib.request.Request(
        base + "/login",
        data=body.encode(),
        method="POST",
        headers=_browser({"Cookie": _cookie_header(cookies)}),
    )
    try:
        opener.open(request)
    except urllib.error.HTTPError as redirect:
        if redirect.code not in (302, 303):
            raise
        cookies.update(_cookies(redirect.headers.get_all("Set-Cookie") or []))
    # The first page after signing in puts a form token in the session; a browser keeps the
    # cookie it comes back with. Without this every request of the run would make a new token
    # and send a new cookie, which no real visitor's browser asks for.
    _visit(base + "/home", cookies)
    return _cookie_header(cookies)


def _visit(url: str, cookies: dict[str, str]) -> http.client.HTTPResponse:
    """GET ``url`` with ``cookies`` and keep what it sets, as a browser does; the response."""
    request = urllib.request.Request(url, headers=_browser({"Cookie": _cookie_header(cookies)}))
    with urllib.request.build_opener(_NoRedirect).open(request, timeout=30) as response:
        cookies.update(_cookies(response.headers.get_all("Set-Cookie") or []))
        return response


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Keep the Set-Cookie of a redirect: do not follow it."""

    def redirect_request(self, *args, **kwargs):
        return None


def _browser(headers: dict[str, str] | None = None) -> dict[str, str]:
    """``headers`` with the run's browser (``BROWSER``)."""
    return {"User-Agent": BROWSER, **(headers or {})}


def _cookies(headers: list[str]) -> dict[str, str]:
    """Name → value of Set-Cookie headers (Secure cookies too: the bench runs on http)."""
    return dict(h.split(";", 1)[0].split("=", 1) for h in headers)


def _cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def status_of(base: str, path: str, headers: dict[str, str]) -> int:
    """The status one GET of ``path`` answers with."""
    request = urllib.request.Request(base + path, headers=_browser(headers))
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def etag_of(base: str, path: str) -> str:
    """The ETag a page answers with."""
    request = urllib.request.Request(base + path, headers=_browser())
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.headers["ETag"]


def revisit_headers(base: str, path: str) -> dict[str, str]:
    """What a browser that opened ``path`` before sends when it opens it again: its cookie
    (an anonymous visitor's page carries the visitor's form token) and the page's ETag."""
    cookies: dict[str, str] = {}
    _visit(base + path, cookies)  # the first visit: a session with a form token
    etag = _visit(base + path, cookies).headers["ETag"]  # the cookie as it stays from now on
    return {"Cookie": _cookie_header(cookies), "If-None-Match": etag or "-"}


def drive(
    base: str, path: str, headers: dict[str, str], seconds: float, connections: int, script: Path
) -> dict:
    """Run wrk against one path and return its summary."""
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", str(script)]
    for name, value in _browser(headers).items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(
        command + [base + path], capture_output=True, text=True, check=True, timeout=seconds + 60
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


# --- the run -----------------------------------------------------------------------------------


def main() -> int:
    """Seed, serve, drive every page, print the table; exit 1 when a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--circles", type=int, default=2_000)
    parser.add_argument(
        "--scale",
        type=int,
        default=1,
        help="multiply people and circles (10: 100,000 people, 20,000 circles)",
    )
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print(
            "The load benchmark needs wrk: run 'make bench-load' (it installs it as root) "
            "or 'sudo apt-get install wrk'.",
            file=sys.stderr,
        )
        return 2
    with tempfile.TemporaryDirectory(prefix="wol-load-") as tmp:
        workdir = Path(tmp)
        url = _fresh_database(workdir)
        ids = seed(url, args.users * args.scale, args.circles * args.scale, random.Random(20261130))
        script = workdir / "report.lua"
        script.write_text(REPORT_LUA)
        server, base = serve(url, args.workers, workdir)
        try:
            results = run_pages(base, ids, args, script)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    missed = print_table(results, url, args)
    return 1 if missed and args.strict else 0


def _fresh_database(workdir: Path) -> str:
    """SQLite in ``workdir``, or an emptied PostgreSQL schema from WOL_TEST_DATABASE_URL."""
    url = os.environ.get("WOL_TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{workdir / 'load.sqlite'}"
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


def run_pages(base: str, ids: dict, args, script: Path) -> list[Result]:
    """Measure the bare endpoint and every main page that exists."""
    organiser = {"Cookie": sign_in(base, ORGANISER)}
    participant = {"Cookie": sign_in(base, PARTICIPANT)}
    circle = ids["circle_id"]
    feed = f"/calendar/{ids['feed_token']}.ics"
    guide = "/guides/nl/week/4"
    pages = [
        ("bare endpoint", "/_bench/bare", {}, None),
        # The same, signed in: the session cookie read and the person loaded, as every
        # signed-in page must, and nothing else (the floor of the pages below it).
        ("bare endpoint, signed in", "/_bench/bare-signed-in", participant, None),
        ("front page (anonymous)", "/", {}, TARGET_PAGE),
        ("guide week 4 (anonymous)", guide, {}, TARGET_PAGE),
        ("guide week 4, unchanged (304)", guide, revisit_headers(base, guide), TARGET_304),
        ("home, participant in 5 circles", "/home", participant, TARGET_PAGE),
        ("home, organiser of 40 circles", "/home", organiser, TARGET_PAGE),
        ("circle page", f"/circles/{circle}", organiser, TARGET_PAGE),
        ("meeting page, week 4", f"/circles/{circle}/week/4", organiser, TARGET_PAGE),
        ("personal feed, 5 circles (200)", feed, {}, TARGET_PAGE),
        (
            "personal feed, unchanged (304)",
            feed,
            {"If-None-Match": etag_of(base, feed)},
            TARGET_304,
        ),
        ("organisers' dashboard", "/organise", organiser, TARGET_PAGE),
        ("circle directory", "/circles", participant, TARGET_PAGE),
        ("forming page, 500 sign-ups", f"/rounds/{ids['round_id']}", organiser, TARGET_PAGE),
    ]
    results = []
    for name, path, headers, target in pages:
        status = status_of(base, path, headers)
        if status not in (200, 304):
            print(f"  skip {name}: {path} answers {status} (not built yet?)")
            continue
        if target == TARGET_304 and status != 304:
            print(f"  {name}: {path} answers {status}, not 304: measured as it is")
        drive(base, path, headers, 1, args.connections, script)  # warm up caches and workers
        summary = drive(base, path, headers, args.seconds, args.connections, script)
        results.append(
            Result(
                name,
                summary["requests"] / (summary["duration_us"] / 1e6),
                summary["p50"] / 1000,
                summary["p95"] / 1000,
                summary["p99"] / 1000,
                summary["bad"],
                target,
            )
        )
        print(f"  {name}: {results[-1].rps:,.0f} req/s", flush=True)
    return results


def print_table(results: list[Result], url: str, args) -> bool:
    """Print the results with ratios to the bare endpoint; return True when a target is missed."""
    bare = results[0].rps
    engine = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    print(
        f"\nLoad on {engine}, {args.users * args.scale:,} people and "
        f"{args.circles * args.scale:,} circles, {args.workers} workers, "
        f"{args.connections} connections (ratios to the bare endpoint of the same run; "
        f"load average before: {os.getloadavg()[0]:.2f})"
    )
    print(
        f"{'page':34} {'req/s':>8} {'ratio':>6} {'target':>6} {'p50':>7} {'p95':>7} {'p99':>7}  ok"
    )
    missed = False
    for r in results:
        ratio = r.rps / bare
        ok = r.bad == 0 and (r.target is None or (ratio >= r.target and r.p99_ms < TARGET_P99_MS))
        missed |= not ok
        target = f"{r.target:.2f}" if r.target else ""
        print(
            f"{r.name:34} {r.rps:8,.0f} {ratio:6.2f} {target:>6} {r.p50_ms:6.1f}ms "
            f"{r.p95_ms:6.1f}ms {r.p99_ms:6.1f}ms  {'yes' if ok else 'NO'}"
            + (f" ({r.bad} bad answers)" if r.bad else "")
        )
    return missed


if __name__ == "__main__":
    sys.exit(main())
