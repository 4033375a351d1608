"""A real OpenID Connect provider for the single sign-on tests, and a way through its pages.

The provider is tests/oidc/provider.mjs (the npm package oidc-provider), installed with
`npm ci` on first use and started once per test session on a free port of 127.0.0.1.
"""

import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import requests

from tests.conftest import free_port
from wol.sso.provider import forget_provider_cache

OIDC_DIR = Path(__file__).parent / "oidc"
CLIENT_ID = "wol-test"
CLIENT_SECRET = "wol-test-secret"


def _install_provider() -> None:
    """`npm ci` in tests/oidc when its packages are missing or older than the lock file."""
    marker = OIDC_DIR / "node_modules" / ".package-lock.json"
    lock = OIDC_DIR / "package-lock.json"
    if marker.exists() and marker.stat().st_mtime >= lock.stat().st_mtime:
        return
    npm = shutil.which("npm")
    assert npm, "npm is missing: run scripts/ensure-system-deps node (make test does)"
    subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=OIDC_DIR,
        check=True,
        timeout=300,
    )


class Provider:
    """The running test provider, and its test-only controls."""

    def __init__(self, issuer: str):
        self.issuer = issuer

    def control(self, what: str, body: dict | None = None) -> None:
        """POST to one of the provider's /__test/ controls."""
        answer = requests.post(f"{self.issuer}/__test/{what}", json=body or {}, timeout=10)
        assert answer.status_code == 200, answer.text

    def evil(self, mode: str | None) -> None:
        """Spoil the next ID tokens: tampered, audience, expired, unknown-key, issuer, nonce."""
        self.control("evil", {"mode": mode})

    def account(self, id: str, **claims) -> None:
        """Add or change a test account."""
        self.control("account", {"id": id, **claims})


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory):
    """oidc-provider on 127.0.0.1, for the whole session."""
    _install_provider()
    port = free_port()
    log = tmp_path_factory.mktemp("oidc") / "provider.log"
    with open(log, "w") as errors:
        process = subprocess.Popen(
            ["node", "provider.mjs", str(port)],
            cwd=OIDC_DIR,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        )
    try:
        line = process.stdout.readline()
        if line.strip() != "ready":
            raise RuntimeError(f"the test provider did not start: {line}{log.read_text()}")
        yield Provider(f"http://127.0.0.1:{port}")
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()


@pytest.fixture
def sso_config(app_config, oidc_provider):
    """Single sign-on on (both modes) against the test provider, which starts afresh."""
    oidc_provider.control("reset")
    forget_provider_cache()
    app_config.update(
        {
            "SSO_MODE": "both",
            "SSO_ISSUER": oidc_provider.issuer,
            "SSO_CLIENT_ID": CLIENT_ID,
            "SSO_CLIENT_SECRET": CLIENT_SECRET,
            "SSO_BUTTON_LABEL": "Aanmelden met je Vlaamse overheid-account",
            "SSO_SCOPES": "openid email profile groups",
            "SSO_ROLES": {"wol-organisers": "organiser"},
        }
    )
    yield app_config
    forget_provider_cache()


def through_provider(start_location: str, login: str, password: str = "pw") -> str:  # noqa: S107
    """Follow the provider's pages as a browser would; return wol's callback address."""
    browser = requests.Session()
    url = start_location
    for _ in range(10):
        answer = browser.get(url, allow_redirects=False, timeout=10)
        if answer.status_code in (302, 303):
            url = urljoin(url, answer.headers["Location"])
            if urlsplit(url).path == "/sso/callback":
                return url
            continue
        form = re.search(r'action="([^"]+/login)"', answer.text)
        assert form, answer.text[:500]
        answer = browser.post(
            urljoin(url, form.group(1)),
            data={"login": login, "password": password},
            allow_redirects=False,
            timeout=10,
        )
        assert answer.status_code in (302, 303), answer.text[:500]
        url = urljoin(url, answer.headers["Location"])
    raise AssertionError("the provider never sent the browser back to wol")


def sign_in(client, login: str, next_path: str | None = None):
    """Sign in through the provider with the test client; return wol's answer to the callback."""
    start = client.get("/sso/start", query_string={"next": next_path} if next_path else None)
    assert start.status_code == 302, start.text
    callback = through_provider(start.headers["Location"], login)
    parts = urlsplit(callback)
    return client.get(f"{parts.path}?{parts.query}")


def callback_for(client, login: str) -> str:
    """Start a sign-in and return the callback path the provider sends back (not opened)."""
    start = client.get("/sso/start")
    parts = urlsplit(through_provider(start.headers["Location"], login))
    return f"{parts.path}?{parts.query}"
