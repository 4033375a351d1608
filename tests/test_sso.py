"""Single sign-on against a real OpenID Connect provider (tests/oidc, oidc-provider on npm).

What a person notices: the first sign-in makes their account, the next ones find it again,
groups give roles, and every answer that cannot be trusted is refused in their language with
nothing created.
"""

from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from tests import sso_helpers
from tests.conftest import PASSWORD
from tests.sso_helpers import callback_for, sign_in, through_provider
from wol import create_app
from wol.auth.models import User, UserSession
from wol.errors import ConfigError
from wol.extensions import db
from wol.mail.models import OutboxMail
from wol.sso.models import LoginLink, SsoIdentity

# The provider's fixtures, shared with the browser tests.
oidc_provider = sso_helpers.oidc_provider
sso_config = sso_helpers.sso_config
# Every test here runs with single sign-on switched on against the test provider.
pytestmark = pytest.mark.usefixtures("sso_config")


@pytest.fixture
def provider(oidc_provider):
    """The test provider, to change its accounts or spoil its tokens."""
    return oidc_provider


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _user(app, email: str) -> User | None:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email_key == email))
        if user is not None:
            db.session.expunge(user)
        return user


def test_the_sign_in_page_shows_the_button_with_the_configured_label(client):
    page = client.get("/login?next=/settings")
    assert "Aanmelden met je Vlaamse overheid-account" in page.text
    assert "/sso/start?next=/settings" in page.text
    # Both modes: the password form is there too.
    assert 'name="password"' in page.text


def test_first_sign_in_makes_the_account_from_the_claims_and_lands_where_the_person_went(
    app, client
):
    answer = sign_in(client, "ann", next_path="/settings")
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/settings"
    ann = _user(app, "ann@agency.example")
    assert ann.display_name == "Ann Peeters"
    assert ann.language == "nl"
    assert ann.organisation == "Digitale Overheid"
    assert ann.password_hash is None
    # The group wol-organisers gives the organiser role (WOL_SSO_ROLES).
    assert ann.is_organiser and not ann.is_admin
    assert client.get("/settings").status_code == 200
    with app.app_context():
        identity = db.session.scalar(select(SsoIdentity))
        assert identity.user_id == ann.id and identity.subject == "ann"


def test_second_sign_in_reuses_the_account_and_follows_a_changed_address(app, client, provider):
    sign_in(client, "bram")
    client.post("/logout")
    provider.account("bram", email="bram.devries@agency.example")
    answer = sign_in(client, "bram")
    assert answer.headers["Location"] == "/home"
    assert _count(app, User) == 1
    assert _user(app, "bram.devries@agency.example") is not None
    assert _user(app, "bram@agency.example") is None


def test_roles_follow_the_groups_at_each_sign_in(app, client, provider):
    sign_in(client, "bram")
    assert not _user(app, "bram@agency.example").is_organiser
    client.post("/logout")
    provider.account("bram", groups=["staff", "wol-organisers"])
    sign_in(client, "bram")
    assert _user(app, "bram@agency.example").is_organiser
    client.post("/logout")
    provider.account("bram", groups=["staff"])
    sign_in(client, "bram")
    assert not _user(app, "bram@agency.example").is_organiser


def test_a_rotated_key_is_fetched_when_a_token_names_it(app, client, provider):
    sign_in(client, "bram")
    client.post("/logout")
    provider.control("rotate")
    answer = sign_in(client, "bram")
    assert answer.headers["Location"] == "/home"


REFUSALS = ["tampered", "audience", "expired", "unknown-key", "issuer", "nonce"]


@pytest.mark.parametrize("mode", REFUSALS)
def test_an_id_token_that_cannot_be_trusted_is_refused_and_nothing_is_created(
    app, client, provider, mode
):
    provider.evil(mode)
    answer = sign_in(client, "ann")
    assert answer.status_code == 400
    assert "sent an answer that we cannot trust" in answer.text
    assert "Nothing was changed in wol." in answer.text
    assert _count(app, User) == 0
    assert _count(app, SsoIdentity) == 0
    assert _count(app, UserSession) == 0
    assert client.get("/settings").status_code == 302


def test_a_refusal_speaks_dutch_to_a_dutch_browser(app, client, provider):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "nl-BE,nl;q=0.9"
    provider.evil("expired")
    answer = sign_in(client, "ann")
    assert answer.status_code == 400
    assert "Aanmelden is niet gelukt" in answer.text
    assert "Er is niets veranderd in wol." in answer.text
    assert _count(app, User) == 0


def test_a_replayed_state_is_refused(app, client):
    callback = callback_for(client, "ann")
    assert client.get(callback).status_code == 302
    client.post("/logout")
    again = client.get(callback)
    assert again.status_code == 400
    assert "expired or was already used" in again.text


def test_a_state_from_another_browser_is_refused(app, client):
    callback = callback_for(client, "ann")
    other = app.test_client()
    answer = other.get(callback)
    assert answer.status_code == 400
    assert _count(app, User) == 0


def test_a_refusal_by_the_provider_is_explained(app, client):
    start = client.get("/sso/start")
    state = parse_qs(urlsplit(start.headers["Location"]).query)["state"][0]
    answer = client.get(f"/sso/callback?error=access_denied&state={state}")
    assert answer.status_code == 400
    assert "did not sign you in" in answer.text


def test_a_callback_without_state_or_code_is_refused_without_a_server_error(client):
    assert client.get("/sso/callback").status_code == 400
    assert client.get("/sso/callback?state=x&code=y").status_code == 400


def test_an_existing_password_account_is_linked_only_after_its_password(app, client, make_user):
    make_user(email="ann@agency.example", display_name="Ann")
    answer = sign_in(client, "ann", next_path="/settings")
    link_page = answer.headers["Location"]
    assert link_page.startswith("/sso/link/")
    # Not linked, not signed in, until the person proves the account is theirs.
    assert _count(app, SsoIdentity) == 0
    assert client.get("/settings").status_code == 302
    page = client.get(link_page)
    assert "There is a wol account for ann@agency.example" in page.text
    wrong = client.post(link_page, data={"pw-password": "not the password", "pw-submit": "1"})
    assert wrong.status_code == 400
    assert _count(app, SsoIdentity) == 0
    right = client.post(link_page, data={"pw-password": PASSWORD, "pw-submit": "1"})
    assert right.headers["Location"] == "/settings"
    assert _count(app, SsoIdentity) == 1
    assert _count(app, User) == 1
    client.post("/logout")
    # From now on the provider alone signs in.
    assert sign_in(client, "ann").headers["Location"] == "/home"


def test_an_existing_account_can_be_linked_by_a_mailed_link_in_the_same_browser(
    app, client, make_user
):
    make_user(email="ann@agency.example", display_name="Ann")
    link_page = sign_in(client, "ann").headers["Location"]
    sent = client.post(link_page, data={"mail-submit": "1"})
    assert "Check your mailbox" in sent.text
    with app.app_context():
        mail = db.session.scalar(select(OutboxMail).where(OutboxMail.kind == "sso_link"))
        assert mail.to_addr == "ann@agency.example"
        url = next(word for word in mail.body_text.split() if "/sso/link/mail/" in word)
    path = urlsplit(url).path
    # Someone else opening the mailed link gets nothing.
    assert app.test_client().get(path).status_code == 404
    assert client.get(path).status_code == 200
    done = client.post(path)
    assert done.headers["Location"] == "/home"
    assert _count(app, SsoIdentity) == 1
    assert client.post(path).status_code == 404


def test_a_password_sign_in_to_a_single_sign_on_account_fails_like_a_wrong_password(
    app, client, auth
):
    sign_in(client, "ann")
    client.post("/logout")
    answer = auth.login("ann@agency.example", "anything at all")
    assert answer.status_code == 400
    assert "do not match" in answer.text


def test_signing_out_ends_the_wol_session_and_continues_at_the_provider(app, client, provider):
    sign_in(client, "ann")
    assert _count(app, UserSession) == 1
    answer = client.post("/logout")
    location = answer.headers["Location"]
    assert location.startswith(f"{provider.issuer}/session/end?")
    query = parse_qs(urlsplit(location).query)
    assert query["post_logout_redirect_uri"] == ["http://wol.test/"]
    assert query["id_token_hint"]
    assert _count(app, UserSession) == 0


def test_password_sign_out_stays_in_wol(app, client, auth, make_user):
    make_user(email="els@example.org")
    auth.login("els@example.org")
    assert client.post("/logout").headers["Location"] == "/"


def test_the_pages_allow_signing_out_through_the_provider(client, provider):
    policy = client.get("/login").headers["Content-Security-Policy"]
    assert f"form-action 'self' {provider.issuer};" in policy


def test_single_sign_on_only_removes_password_pages(app_config, make_user):
    app_config["SSO_MODE"] = "sso"
    app = create_app(app_config)
    client = app.test_client()
    page = client.get("/login")
    assert page.status_code == 200
    assert "Aanmelden met je Vlaamse overheid-account" in page.text
    assert 'name="password"' not in page.text
    assert 'href="/register"' not in page.text
    for path in (
        "/register",
        "/password/forgot",
        "/password/reset/" + "a" * 43,
        "/register/confirm/" + "a" * 43,
    ):
        assert client.get(path).status_code == 404, path
    assert client.post("/login", data={"email": "a@b.c", "password": "x"}).status_code == 404


def test_the_break_glass_login_link_works_once(app_config, make_user):
    app_config["SSO_MODE"] = "sso"
    app = create_app(app_config)
    make_user(email="admin@example.org", roles={"admin"})
    result = app.test_cli_runner().invoke(args=["wol", "user", "login-link", "admin@example.org"])
    assert result.exit_code == 0, result.output
    link = result.output.strip().splitlines()[-1]
    assert link.startswith("http://wol.test/login/link/")
    path = urlsplit(link).path
    client = app.test_client()
    # No language asked for: the default, Dutch.
    assert "Meld me aan" in client.get(path).text
    assert client.post(path).headers["Location"] == "/home"
    assert client.get("/settings").status_code == 200
    # Only a hash is kept, and the link is spent.
    with app.app_context():
        stored = db.session.scalar(select(LoginLink))
        assert stored.token_hash != path.rsplit("/", 1)[1] and stored.used_at is not None
    assert app.test_client().post(path).status_code == 404
    assert app.test_client().get(path).status_code == 404


def test_login_link_for_an_unknown_address_says_so(runner):
    result = runner.invoke(args=["wol", "user", "login-link", "nobody@example.org"])
    assert result.exit_code != 0
    assert "no account for nobody@example.org" in result.output


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"SSO_ISSUER": None}, "needs WOL_SSO_ISSUER"),
        ({"SSO_ISSUER": "http://idp.example.org"}, "https://"),
        ({"SSO_MODE": "sometimes"}, "WOL_SSO_MODE"),
        ({"SSO_EMAIL_CLAIM": "mail"}, "WOL_SSO_EMAIL_CLAIM"),
        ({"SSO_SCOPES": "email"}, "openid"),
    ],
)
def test_a_setup_that_cannot_work_is_refused_at_start(app_config, overrides, message):
    app_config.update(overrides)
    with pytest.raises(ConfigError, match=message):
        create_app(app_config)


def test_the_role_mapping_is_read_from_the_environment(monkeypatch):
    from wol.sso.config import load_sso_config

    config = load_sso_config(
        {
            "WOL_SSO_ISSUER": "https://login.example.org/tenant/v2.0",
            "WOL_SSO_ROLES": "wol-organisers=organiser, Admins wol=admin",
        }
    )
    assert config["SSO_MODE"] == "both"
    assert config["SSO_ROLES"] == {"wol-organisers": "organiser", "Admins wol": "admin"}
    with pytest.raises(ConfigError, match="WOL_SSO_ROLES"):
        load_sso_config({"WOL_SSO_ROLES": "wol-organisers=boss"})


def test_the_data_export_lists_the_provider_account_and_deletion_unlinks_it(app, client):
    from wol.personal.erase import erase_account
    from wol.personal.registry import exporters
    from wol.timestamps import utcnow

    sign_in(client, "bram")
    with app.app_context():
        bram = db.session.scalar(select(User))
        exported = exporters()["sign_in_identities"](bram)
        assert exported[0]["subject"] == "bram"
        assert exported[0]["provider"] == app.config["SSO_ISSUER"]
        erase_account(bram, handovers={}, now=utcnow())
        db.session.commit()
    assert _count(app, SsoIdentity) == 0
    client.post("/logout")
    # Signing in again after deleting the account starts a new, empty one.
    assert sign_in(client, "bram").headers["Location"] == "/home"
    assert _count(app, User) == 2
    assert _user(app, "bram@agency.example").display_name == "Bram de Vries"


def _confirm_as(client, login: str):
    start = client.get("/sso/confirm", query_string={"next": "/settings/delete"})
    assert start.status_code == 302
    query = parse_qs(urlsplit(start.headers["Location"]).query)
    # The provider is asked to sign the person in afresh.
    assert query["prompt"] == ["login"] and query["max_age"] == ["0"]
    parts = urlsplit(through_provider(start.headers["Location"], login))
    return client.get(f"{parts.path}?{parts.query}")


def test_an_account_without_password_confirms_who_it_is_with_the_provider(app, client):
    from wol.sso.service import CONFIRMED_KEY, confirmed_recently

    sign_in(client, "ann")
    answer = _confirm_as(client, "ann")
    assert answer.headers["Location"] == "/settings/delete"
    with client.session_transaction() as session:
        mark = session[CONFIRMED_KEY]
    with app.test_request_context():
        ann = db.session.scalar(select(User))
        assert confirmed_recently({CONFIRMED_KEY: mark}, ann)
        assert not confirmed_recently({CONFIRMED_KEY: mark}, ann, now=mark["at"] + 301)
    assert _count(app, UserSession) == 1


def test_confirming_as_someone_else_is_refused(app, client):
    sign_in(client, "bram")
    client.post("/logout")
    sign_in(client, "ann")
    answer = _confirm_as(client, "bram")
    assert answer.status_code == 403
    # In Ann's language (Dutch, from her provider).
    assert "aangemeld als iemand anders" in answer.text
    with client.session_transaction() as session:
        assert "sso_confirmed" not in session


def test_confirming_needs_signing_in(client):
    assert client.get("/sso/confirm").headers["Location"].startswith("/login")


def test_a_big_id_token_is_not_kept_and_signing_out_still_reaches_the_provider(
    app, client, provider
):
    provider.account("ann", groups=[f"group-{n:04d}" for n in range(200)])
    sign_in(client, "ann")
    with client.session_transaction() as session:
        assert session["sso_id_token"] == "-"
    query = parse_qs(urlsplit(client.post("/logout").headers["Location"]).query)
    assert query["client_id"] == ["wol-test"]
    assert "id_token_hint" not in query


def test_a_discovery_document_for_another_issuer_is_not_used(app_config, provider):
    # The same provider reached under another name: its document names 127.0.0.1, not this.
    app_config["SSO_ISSUER"] = provider.issuer.replace("127.0.0.1", "localhost")
    client = create_app(app_config).test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    answer = client.get("/sso/start")
    assert answer.status_code == 503
    assert "We cannot reach your organisation" in answer.text


@pytest.mark.parametrize("trial", range(4))
def test_two_answers_with_the_same_state_at_once_sign_in_once(app, client, trial):
    """The same answer sent twice at the same instant (a double click, a replay): one wins."""
    import threading

    callback = callback_for(client, "ann")
    cookie = client.get_cookie("session")
    twin = app.test_client()
    twin.set_cookie("session", cookie.value, domain=cookie.domain)
    barrier = threading.Barrier(2)
    statuses = []

    def answer(browser):
        barrier.wait()
        statuses.append(browser.get(callback).status_code)

    threads = [threading.Thread(target=answer, args=(b,)) for b in (client, twin)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [302, 400]
    assert _count(app, User) == 1
    assert _count(app, UserSession) == 1


def test_an_account_without_password_is_deleted_only_after_confirming_with_the_provider(
    app, client
):
    sign_in(client, "bram")
    page = client.get("/settings/delete").text
    assert "/sso/confirm" in page and 'name="password"' not in page
    # Typing the address, or anything else, is not enough.
    refused = client.post("/settings/delete", data={"password": "bram@agency.example"})
    assert refused.status_code == 400
    assert _user(app, "bram@agency.example").erased_at is None
    answer = _confirm_as(client, "bram")
    assert answer.headers["Location"] == "/settings/delete"
    assert "You confirmed who you are" in client.get("/settings/delete").text
    assert client.post("/settings/delete").status_code == 302
    assert _user(app, "bram@agency.example") is None
    assert _count(app, SsoIdentity) == 0
