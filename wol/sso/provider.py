"""Talking to the identity provider: its discovery document and keys, the OAuth 2.0 client
with PKCE, the ID token checks, and its sign-out address.

What is checked, and why, is written for security officers in README.md ("Single sign-on").
The checks themselves are Authlib's and joserfc's; this module feeds them what they need.
"""

import logging
import time
from urllib.parse import urlsplit

import requests
from authlib.common.urls import add_params_to_uri
from authlib.integrations.requests_client import OAuth2Session
from authlib.oidc.core import CodeIDToken
from flask import current_app
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

from wol.errors import DomainError
from wol.i18n import gettext as _

log = logging.getLogger(__name__)

# Clocks of wol and the provider may differ this much when expiry and issue times are checked.
CLOCK_LEEWAY_SECONDS = 60

# Per process, and only a cache: every worker fetches the same public documents itself, and
# fetches the keys again as soon as a token names a key id it does not know.
_metadata_cache: dict[str, tuple[float, dict]] = {}
_keys_cache: dict[str, KeySet] = {}


class SignInRefused(DomainError):
    """What came back from the provider does not pass a check; nothing was created.

    ``reason`` names the check for the log and the tests; ``message`` is for the person.
    """

    def __init__(self, reason: str, message: str, status: int = 400):
        super().__init__(message)
        self.reason = reason
        self.status = status


def _http_get_json(url: str) -> dict:
    """GET a JSON document from the provider; SignInRefused when it cannot be had."""
    try:
        response = requests.get(url, timeout=current_app.config["SSO_HTTP_TIMEOUT"])
        response.raise_for_status()
        return response.json()
    except (requests.RequestException, ValueError) as exc:
        log.warning("single sign-on: cannot read %s: %s", url, exc)
        raise unreachable() from exc


def unreachable() -> SignInRefused:
    return SignInRefused(
        "unreachable",
        _(
            "We cannot reach your organisation's sign-in service right now. Please try again in a "
            "few minutes."
        ),
        status=503,
    )


def provider_metadata(now: float | None = None) -> dict:
    """The provider's discovery document, fetched at most once an hour per process.

    Its ``issuer`` must be exactly the configured one (OpenID Connect Discovery, section 4.3).
    """
    issuer = current_app.config["SSO_ISSUER"]
    now = time.monotonic() if now is None else now
    cached = _metadata_cache.get(issuer)
    if cached and now - cached[0] < current_app.config["SSO_METADATA_SECONDS"]:
        return cached[1]
    document = _http_get_json(issuer + "/.well-known/openid-configuration")
    if document.get("issuer", "").rstrip("/") != issuer or not all(
        document.get(key) for key in ("authorization_endpoint", "token_endpoint", "jwks_uri")
    ):
        log.warning("single sign-on: discovery document of %s does not match it", issuer)
        raise unreachable()
    _metadata_cache[issuer] = (now, document)
    return document


def _key_set(force: bool = False) -> KeySet:
    """The provider's public signing keys, fetched again when ``force`` is set."""
    issuer = current_app.config["SSO_ISSUER"]
    if force or issuer not in _keys_cache:
        document = _http_get_json(provider_metadata()["jwks_uri"])
        try:
            _keys_cache[issuer] = KeySet.import_key_set(document)
        except (JoseError, ValueError, TypeError, KeyError) as exc:
            log.warning("single sign-on: unreadable key set: %s", exc)
            raise unreachable() from exc
    return _keys_cache[issuer]


def forget_provider_cache() -> None:
    """Drop the cached discovery documents and keys (tests; a changed configuration)."""
    _metadata_cache.clear()
    _keys_cache.clear()


def oauth_client(redirect_uri: str | None = None) -> OAuth2Session:
    """An OAuth 2.0 client for the configured provider, with PKCE (S256)."""
    config = current_app.config
    return OAuth2Session(
        config["SSO_CLIENT_ID"],
        config["SSO_CLIENT_SECRET"],
        scope=config["SSO_SCOPES"],
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic",  # noqa: S106 - a method name
    )


def untrusted_answer(reason: str) -> SignInRefused:
    return SignInRefused(
        reason,
        _(
            "Your organisation's sign-in service sent an answer that we cannot trust, so you are "
            "not signed in. Please try again; if it keeps happening, tell your wol administrator."
        ),
    )


def verify_id_token(
    id_token: str, nonce: str, access_token: str | None, now: int | None = None
) -> dict:
    """Check an ID token's signature, issuer, audience, times and nonce; return its claims.

    The key must be one the provider publishes (fetched again once when the token names an
    unknown key id), the algorithm one the provider announces (never "none").
    """
    metadata = provider_metadata()
    config = current_app.config
    algorithms = [
        alg
        for alg in metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
        if alg != "none"
    ]
    try:
        try:
            token = jwt.decode(id_token, _key_set(), algorithms=algorithms)
        except InvalidKeyIdError:
            token = jwt.decode(id_token, _key_set(force=True), algorithms=algorithms)
    except InvalidKeyIdError as exc:
        log.warning("single sign-on refused: ID token signed with an unknown key: %s", exc)
        raise untrusted_answer("unknown_key") from exc
    except (JoseError, ValueError) as exc:
        log.warning("single sign-on refused: bad ID token signature: %s", exc)
        raise untrusted_answer("signature") from exc
    options = {
        "iss": {"essential": True, "value": config["SSO_ISSUER"]},
        "aud": {"essential": True, "value": config["SSO_CLIENT_ID"]},
        "sub": {"essential": True},
        "exp": {"essential": True},
        "iat": {"essential": True},
    }
    params = {"nonce": nonce, "client_id": config["SSO_CLIENT_ID"]}
    if access_token:
        params["access_token"] = access_token
    claims = CodeIDToken(token.claims, token.header, options, params)
    try:
        claims.validate(now=now, leeway=CLOCK_LEEWAY_SECONDS)
    except (JoseError, ValueError) as exc:
        log.warning("single sign-on refused: ID token claims: %s", exc)
        raise untrusted_answer(f"claims:{getattr(exc, 'claim', '') or exc}") from exc
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise untrusted_answer("claims:sub")
    return dict(claims)


def provider_logout_url(id_token: str | None, return_to: str) -> str | None:
    """The provider's sign-out address (RP-initiated logout), if it offers one."""
    try:
        endpoint = provider_metadata().get("end_session_endpoint")
    except SignInRefused:
        return None
    if not endpoint:
        return None
    params = {
        "client_id": current_app.config["SSO_CLIENT_ID"],
        "post_logout_redirect_uri": return_to,
    }
    if id_token:
        params["id_token_hint"] = id_token
    return add_params_to_uri(endpoint, params)


def provider_origin() -> str | None:
    """scheme://host[:port] of the provider, for the pages' form-action rule."""
    issuer = current_app.config.get("SSO_ISSUER")
    if not issuer:
        return None
    parts = urlsplit(issuer)
    return f"{parts.scheme}://{parts.netloc}"
