"""The directory with 5,000 listed circles runs the same number of queries as with 300 (its speed
is measured by ``make bench``, not asserted here); invite-only circles are in no count."""

import re

from tests.directory_helpers import seed_listed_circles
from tests.test_query_counts import counted
from wol.extensions import db

PAGES = [
    "/circles",
    "/circles?lang=nl&kind=online",
    "/circles?page=2&time=evening",
    "/circles?day=tue&place=gent",
    "/circles?page=3",
]


def queries(app, client, path: str) -> int:
    """Statements for one GET of ``path`` (after a warm-up: the first visit after a change,
    and the one the front keeps)."""
    for _ in range(3):
        assert client.get(path).status_code == 200
    with counted(app) as statements:
        response = client.get(path)
    assert response.status_code == 200
    return len(statements)


def test_the_directory_runs_a_fixed_number_of_queries(app, client, auth, make_user):
    ann = make_user(email="ann@example.org")
    auth.login("ann@example.org")
    with app.app_context():
        seed_listed_circles(ann.id, 300)  # every page asked for has circles on it
    small = {path: queries(app, client, path) for path in PAGES}
    with app.app_context():
        seed_listed_circles(ann.id, 4700)
    for path in PAGES:
        count = queries(app, client, path)
        assert count == small[path], f"{path}: {small[path]} queries with 300, {count} with 5000"
        assert count <= 10


def test_invite_only_circles_are_in_no_count(app, client, auth, make_user):
    ann = make_user(email="ann@example.org")
    auth.login("ann@example.org")
    with app.app_context():
        # Every third circle is invite-only; of the 30, seats_taken = n % 5 never fills one.
        seed_listed_circles(ann.id, 30, invite_only_every=3)
        db.session.commit()
    page = client.get("/circles").get_data(as_text=True)
    assert "20 circles fit" in page
    shown = set(
        re.findall(r"Circle (\d{5})", client.get("/circles?page=2").get_data(as_text=True))
    ) | set(re.findall(r"Circle (\d{5})", page))
    assert len(shown) == 20 and not any(int(n) % 3 == 0 for n in shown)
