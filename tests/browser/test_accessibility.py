"""axe-core (the accessibility engine behind many audit tools) finds no serious problems.

The pages are checked in Debian's Chromium, signed in and out, in Dutch, at phone width too.
axe-core is installed from the npm registry into a cache folder on first use.
"""

import os
import re
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.browser.language import assert_dutch
from tests.circles_helpers import make_circle
from tests.conftest import PASSWORD
from tests.guides.conftest import GUIDES

pytestmark = pytest.mark.browser

AXE_VERSION = "4.10.3"


@pytest.fixture(scope="session")
def axe_script() -> Path:
    """Path of axe.min.js, installed with npm into a cache folder the first time."""
    cache = Path(os.environ.get("WOL_AXE_CACHE", Path.home() / ".cache" / f"wol-axe-{AXE_VERSION}"))
    script = cache / "node_modules" / "axe-core" / "axe.min.js"
    if not script.exists():
        cache.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(
            [
                "npm",
                "install",
                "--no-audit",
                "--no-fund",
                "--prefix",
                str(cache),
                f"axe-core@{AXE_VERSION}",
            ],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert result.returncode == 0, f"npm could not install axe-core:\n{result.stderr}"
    return script


def serious_violations(page, script: Path) -> list[str]:
    """Run axe on the current page; describe each serious or critical violation."""
    page.add_script_tag(path=str(script))
    results = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
    }""")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {v['nodes']}"
        for v in results
        if v["impact"] in ("serious", "critical")
    ]


def test_pages_have_no_serious_accessibility_problems(
    live_server, new_page, make_user, app, axe_script
):
    ann = make_user(
        email="ann@example.org",
        display_name="Ann Peeters",
        language="nl",
        roles={"translator", "admin"},
    )
    bram = make_user(display_name="Bram de Vries")
    today = date.today()
    circle = make_circle(
        app,
        ann,
        members=[bram],
        first_day=today - timedelta(weeks=2),
        today=today,
        chat_url="https://engage.example.org/g/1",
    )
    # The check can fail: a field without a label is reported.
    probe = new_page(bypass_csp=True)
    probe.set_content('<html lang="en"><title>t</title><main><input type="text"></main></html>')
    assert any(v.startswith("label") for v in serious_violations(probe, axe_script))

    problems, english = {}, {}
    # People's names and what they typed, and the English headings of week 4 (guide text: the
    # part editor's window title names its part by them) may be in any language.
    content = [
        "Ann Peeters",
        "Bram de Vries",
        "Cirkel Digitale Overheid",
        "Zaal 4.12",
        *re.findall(r"^## (.+?) \{#", (GUIDES / "en" / "week-04.md").read_text(), re.M),
    ]

    def no_english(page, label: str) -> None:
        """Note English interface text on the Dutch page (once, at desktop width)."""
        try:
            assert_dutch(page, user_data=content)
        except AssertionError as error:
            english[label] = str(error)

    for width in (1100, 390):
        anonymous = new_page(
            locale="nl-BE", bypass_csp=True, viewport={"width": width, "height": 900}
        )
        for path in [
            "/",
            "/login",
            "/register",
            "/password/forgot",
            f"/join/{circle.invite_token}",
            "/guides/nl/",
            "/guides/nl/week/1",
            "/nowhere",
        ]:
            anonymous.goto(live_server + path)
            problems[f"{path} @{width}"] = serious_violations(anonymous, axe_script)
            if width == 1100:
                no_english(anonymous, path)
        page = new_page(locale="nl-BE", bypass_csp=True, viewport={"width": width, "height": 900})
        page.goto(live_server + "/login")
        page.locator("#email").fill("ann@example.org")
        page.locator("#password").fill(PASSWORD)
        page.locator("#submit").click()
        base = f"/circles/{circle.id}"
        for path in [
            "/home",
            base,
            f"{base}/week/3",
            f"{base}/meetings/4/move",
            f"{base}/meetings/4/skip",
            f"{base}/end",
            f"{base}/leave",
            "/circles/new",
            "/settings",
            "/settings/calendar",
            "/translate",
            "/translate/nl/week/4",
            "/translate/nl/week/4/part/circle-health-check",
            "/admin/users",
            "/admin/mail",
        ]:
            page.goto(live_server + path)
            problems[f"{path} @{width}"] = serious_violations(page, axe_script)
            if width == 1100:
                no_english(page, path)
        # A form with errors, as people meet it.
        page.goto(live_server + "/circles/new")
        page.locator("#submit").click()
        problems[f"/circles/new with errors @{width}"] = serious_violations(page, axe_script)
        if width == 1100:
            no_english(page, "/circles/new with errors")
    assert not english, "\n".join(english.values())
    found = {path: issues for path, issues in problems.items() if issues}
    assert not found, "\n".join(
        f"{path}: {issue}" for path, issues in found.items() for issue in issues
    )
