"""Speed of wol pages against a static file of the same size, served by the same app.

`make bench` runs this and prints a table. Each benchmark is a function in BENCHMARKS that
takes the BenchContext (a real app on a SQLite database in a temporary folder, its test client,
a scratch folder) and returns rows. Requests are timed one by one with time.perf_counter, page
and baseline interleaved so that drift (CPU frequency, other load) hits both alike; the table
shows medians.

    .venv/bin/python bench/run.py [--iterations N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from datetime import time as clock_time
from pathlib import Path

from flask import Flask, render_template, send_from_directory
from flask.testing import FlaskClient
from flask_migrate import upgrade

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from wol import create_app  # noqa: E402
from wol.auth.service import register_user  # noqa: E402
from wol.extensions import db  # noqa: E402
from wol.paths import resource_dir  # noqa: E402

STATIC_ROUTE = "/_bench/static/<path:name>"
BARE_ROUTE = "/_bench/bare"
PASSWORD = "bench password 123"  # noqa: S105 - a throw-away account in a temporary database
TARGET_RATIO = 1.20


@dataclass
class BenchContext:
    """What every benchmark gets: the app, a client, a scratch folder and the iteration count."""

    app: Flask
    client: FlaskClient
    workdir: Path
    iterations: int

    def static_copy(self, name: str, body: bytes) -> str:
        """Save ``body`` as a static file served by this app; return its URL."""
        (self.workdir / "static" / name).write_bytes(body)
        return f"/_bench/static/{name}"


@dataclass
class Row:
    """One line of the table."""

    name: str
    median_s: float
    p90_s: float
    size: int
    ratio: float | None = None  # against the row's baseline
    target: float | None = None


def _get(client: FlaskClient, path: str) -> tuple[float, int]:
    """Time one GET, reading the whole body; return (seconds, body size)."""
    start = time.perf_counter()
    response = client.get(path)
    body = response.get_data()
    elapsed = time.perf_counter() - start
    status = response.status_code
    response.close()
    if status != 200:
        raise RuntimeError(f"GET {path} answered {status}")
    return elapsed, len(body)


def compare(
    ctx: BenchContext,
    name: str,
    path: str,
    baseline_name: str,
    baseline_path: str,
    target: float | None = None,
) -> list[Row]:
    """Time ``path`` and ``baseline_path`` interleaved; rows for both, the page's with a ratio."""
    for _ in range(max(ctx.iterations // 20, 20)):  # warm up caches, JIT-free but lazy imports
        _get(ctx.client, path)
        _get(ctx.client, baseline_path)
    page, base = [], []
    size = base_size = 0
    for _ in range(ctx.iterations):
        elapsed, size = _get(ctx.client, path)
        page.append(elapsed)
        elapsed, base_size = _get(ctx.client, baseline_path)
        base.append(elapsed)
    base_row = Row(baseline_name, statistics.median(base), _p90(base), base_size, 1.0)
    page_row = Row(
        name,
        statistics.median(page),
        _p90(page),
        size,
        statistics.median(page) / statistics.median(base),
        target,
    )
    return [base_row, page_row]


def _p90(values: list[float]) -> float:
    """The 90th percentile."""
    return statistics.quantiles(values, n=10)[-1]


# --- benchmarks ---------------------------------------------------------------------------


def bench_guide_week_page(ctx: BenchContext) -> list[Row]:
    """/guides/nl/week/4 for an anonymous reader vs a static file of the same size."""
    path = "/guides/nl/week/4"
    body = ctx.client.get(path).get_data()
    static = ctx.static_copy("week-04.html", body)
    return compare(
        ctx,
        f"GET {path} (anonymous)",
        path,
        f"static file, same size ({len(body) / 1024:.1f} kB)",
        static,
        target=TARGET_RATIO,
    )


def bench_meeting_page(ctx: BenchContext) -> list[Row]:
    """A member's meeting page (week 4 of a Dutch circle) vs a static file of the same size."""
    from wol.auth.models import User
    from wol.circles.service import CircleDetails, create_circle

    with ctx.app.test_request_context():
        user = db.session.get(User, ctx.app.config["BENCH_USER_ID"])
        circle = create_circle(
            user,
            CircleDetails(
                name="Cirkel Digitale Overheid",
                language="nl",
                first_day=date.today(),
                local_time=clock_time(12, 0),
                timezone="Europe/Brussels",
                place="Zaal 4.12",
            ),
            join=True,
            today=date.today(),
        )
        db.session.commit()
        circle_id = circle.id
    client = ctx.app.test_client()
    client.post("/login", data={"email": "bench@example.org", "password": PASSWORD})
    path = f"/circles/{circle_id}/week/4"
    body = client.get(path).get_data()
    static = ctx.static_copy("meeting.html", body)
    signed_in = BenchContext(ctx.app, client, ctx.workdir, ctx.iterations)
    return compare(
        signed_in,
        f"GET {path} (member)",
        path,
        f"static file, same size ({len(body) / 1024:.1f} kB)",
        static,
    )


def _timed(ctx: BenchContext, func: Callable[[], object]) -> tuple[float, float]:
    """Median and p90 seconds of ``func`` over the context's iterations, after a warm-up."""
    for _ in range(max(ctx.iterations // 20, 20)):
        func()
    samples = []
    for _ in range(ctx.iterations):
        start = time.perf_counter()
        func()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), _p90(samples)


def bench_calendar_feed(ctx: BenchContext) -> list[Row]:
    """A personal feed of five circles: rendering it (cached blocks, and with an empty cache),
    serving it, and answering its 304."""
    from datetime import timedelta

    from wol.auth.models import User
    from wol.calendar.service import _feed_block, render_feed
    from wol.circles.service import CircleDetails, create_circle

    zones = [
        "Europe/Brussels",
        "Europe/Amsterdam",
        "America/New_York",
        "Europe/London",
        "Australia/Sydney",
    ]
    with ctx.app.test_request_context():
        user = db.session.get(User, ctx.app.config["BENCH_USER_ID"])
        today = date.today()
        for n, zone in enumerate(zones):
            create_circle(
                user,
                CircleDetails(
                    name=f"Cirkel {n + 1}",
                    language="nl" if n % 2 else "en",
                    first_day=today + timedelta(days=n),
                    local_time=clock_time(12, 0),
                    timezone=zone,
                    kind="hybrid",
                    place="Zaal 4.12",
                    video_url="https://meet.example.org/cirkel",
                ),
                join=True,
                today=today,
            )
        db.session.commit()
        token = user.feed_token
        size = len(render_feed(user))
        render_median, render_p90 = _timed(ctx, lambda: render_feed(user))

        def render_cold() -> bytes:
            """Render with an empty block cache: icalendar writes every circle's events."""
            _feed_block.cache_clear()
            return render_feed(user)

        cold_median, cold_p90 = _timed(ctx, render_cold)
    url = f"/calendar/{token}.ics"
    etag = ctx.client.get(url).headers["ETag"]
    assert ctx.client.get(url, headers={"If-None-Match": etag}).status_code == 304
    full_median, full_p90 = _timed(ctx, lambda: ctx.client.get(url))
    cached_median, cached_p90 = _timed(
        ctx, lambda: ctx.client.get(url, headers={"If-None-Match": etag})
    )
    return [
        Row(
            "feed of 5 circles: render only, warm (target < 5 ms)", render_median, render_p90, size
        ),
        Row("same, every circle rendered by icalendar (cold cache)", cold_median, cold_p90, size),
        Row(f"GET {url[:22]}... 200", full_median, full_p90, size, 1.0),
        Row(
            "same feed, If-None-Match: 304 (no rendering)",
            cached_median,
            cached_p90,
            0,
            cached_median / full_median,
        ),
    ]


def bench_dashboard(ctx: BenchContext) -> list[Row]:
    """The organisers' dashboard of an admin with 2,000 circles vs the bare page of the app."""
    from wol.auth.models import User
    from wol.organise.sample import add_many_circles
    from wol.timestamps import utcnow

    with ctx.app.test_request_context():
        admin = db.session.get(User, ctx.app.config["BENCH_USER_ID"])
        admin.is_admin = True
        members = [
            register_user(f"member{n}@example.org", f"Member {n}", PASSWORD) for n in range(4)
        ]
        add_many_circles(admin.id, [m.id for m in members], 2000, utcnow())
        db.session.commit()
    client = ctx.app.test_client()
    client.post("/login", data={"email": "bench@example.org", "password": PASSWORD})
    path = "/organise"
    size = len(client.get(path).get_data())
    # The dashboard reads every circle: fewer rounds keep `make bench` quick.
    rounds = BenchContext(ctx.app, client, ctx.workdir, max(ctx.iterations // 40, 25))
    rows = compare(
        rounds,
        f"GET {path} (admin, 2,000 circles, {size / 1024:.0f} kB)",
        path,
        "bare page of the same app (signed in)",
        BARE_ROUTE,
    )
    csv_median, csv_p90 = _timed(rounds, lambda: client.get(path + "/circles.csv"))
    rows.append(
        Row(
            "GET /organise/circles.csv (2,000 rows)",
            csv_median,
            csv_p90,
            0,
            csv_median / rows[0].median_s,
        )
    )
    return rows


def bench_directory(ctx: BenchContext) -> list[Row]:
    """Find a circle (/circles) with 5,000 more listed circles: unfiltered, filtered, page 3."""
    from tests.directory_helpers import seed_listed_circles

    with ctx.app.app_context():
        seed_listed_circles(ctx.app.config["BENCH_USER_ID"], 5000)
    client = ctx.app.test_client()
    client.post("/login", data={"email": "bench@example.org", "password": PASSWORD})
    rounds = BenchContext(ctx.app, client, ctx.workdir, max(ctx.iterations // 10, 50))
    rows = []
    for label, path in (
        ("all", "/circles"),
        ("Dutch, online, evening", "/circles?lang=nl&kind=online&time=evening"),
        ("page 3", "/circles?page=3"),
    ):
        size = len(client.get(path).get_data())
        median, p90 = _timed(rounds, lambda path=path: client.get(path))
        rows.append(Row(f"GET {path[:40]} (5,000 listed circles, {label})", median, p90, size))
    return rows


BENCHMARKS: list[Callable[[BenchContext], list[Row]]] = [
    bench_guide_week_page,
    bench_meeting_page,
    bench_calendar_feed,
    bench_dashboard,
    bench_directory,
]


# --- running ------------------------------------------------------------------------------


def make_context(workdir: Path, iterations: int) -> BenchContext:
    """A migrated app on SQLite in ``workdir``, with the static baseline route and one user."""
    (workdir / "static").mkdir()
    app = create_app(
        {
            "WOL_ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'bench.sqlite'}",
            "WTF_CSRF_ENABLED": False,
            "MAIL_BACKEND": "file",
            "MAIL_FILE_DIR": str(workdir / "mail"),
        }
    )

    # Registered here, before the first request, and only in the bench: the baseline is Flask
    # serving a file from disk the way it serves /static.
    @app.get(STATIC_ROUTE)
    def bench_static(name: str):
        """Serve a file from the bench's scratch static folder."""
        return send_from_directory(workdir / "static", name)

    @app.get(BARE_ROUTE)
    def bench_bare():
        """The app's page frame with nothing in it: the least a signed-in page costs."""
        return render_template("base.html")

    with app.app_context():
        upgrade(directory=str(resource_dir("migrations")))
        user = register_user(
            "bench@example.org", "Bench", PASSWORD, language="nl", timezone="Europe/Brussels"
        )
        db.session.commit()
        app.config["BENCH_USER_ID"] = user.id
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "nl"
    return BenchContext(app, client, workdir, iterations)


def print_table(rows: list[Row]) -> None:
    """Print the rows as an aligned table."""
    width = max(len(row.name) for row in rows)
    print(f"{'benchmark':<{width}}  {'median ms':>9}  {'p90 ms':>7}  {'size':>8}  {'ratio':>6}")
    for row in rows:
        ratio = f"{row.ratio:.2f}" if row.ratio is not None else ""
        verdict = ""
        if row.target is not None and row.ratio is not None:
            met = "ok" if row.ratio <= row.target else "MISSED"
            verdict = f"  target <= {row.target:.2f}: {met}"
        print(
            f"{row.name:<{width}}  {row.median_s * 1000:>9.3f}  {row.p90_s * 1000:>7.3f}  "
            f"{row.size:>8}  {ratio:>6}{verdict}"
        )


def main(argv: list[str] | None = None) -> int:
    """Run every benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--iterations", type=int, default=2000)
    args = parser.parse_args(argv)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="wol-bench-") as tmp:
        ctx = make_context(Path(tmp), args.iterations)
        for benchmark in BENCHMARKS:
            rows += benchmark(ctx)
        with ctx.app.app_context():
            db.engine.dispose()
    print_table(rows)
    import forming  # bench/forming.py: circle forming has its own numbers and targets

    forming.main([])  # prints each target as met or MISSED, like the table above
    return 0


if __name__ == "__main__":
    sys.exit(main())
