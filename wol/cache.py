"""Work a request would otherwise repeat, done once.

Anonymous pages that show nothing but the words of their language (the front page) are drawn
once per language and path and kept with a placeholder for the visitor's form token.

Every page translates hundreds of strings. Flask-Babel looks up the request's locale and its
catalog again for each one (``gettext`` → ``get_translations`` → ``get_locale`` → a dictionary
keyed by the locale's name); the dashboard spent a third of its time there. The domain below
keeps the catalog it found on the request, next to the locale it was found for, and uses it
while that locale is the request's: ``force_locale`` (mail in the reader's language) and
``refresh`` put another locale object in place, so the catalog is looked up again for it.
Templates reach that kept catalog straight from the application context (``catalog``), not
through Flask's context proxies: the proxies took six look-ups per string, a third of the
organisers' dashboard.
"""

import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from babel.support import NullTranslations
from flask import Flask, current_app, g, render_template, request, session
from flask.globals import _cv_app
from flask_babel import Domain, get_locale, get_translations
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from wol.extensions import babel

T = TypeVar("T")

_KEY = "wol_translations"


class RequestCachedDomain(Domain):
    """Flask-Babel's domain, with the catalog kept per request and locale."""

    def get_translations(self):
        """The catalog of the request's current locale (looked up once per locale)."""
        ctx = g.get("_flask_babel") if g else None
        if ctx is None:
            return super().get_translations()
        found = _kept_catalog(ctx)
        if found is not None:
            return found
        translations = super().get_translations()
        setattr(ctx, _KEY, (get_locale(), translations))
        return translations


def _kept_catalog(ctx):
    """The catalog kept on Babel's request state ``ctx`` while the locale it was found for is
    still the request's, else None."""
    found = ctx.__dict__
    pair = found.get(_KEY)
    locale = found.get("babel_locale")
    return pair[1] if pair is not None and locale is not None and pair[0] is locale else None


_NO_TRANSLATIONS = NullTranslations()


def catalog():
    """The catalog of the current locale: the one kept on the request when it is still the
    request's locale, else looked up (and kept) the usual way."""
    app_context = _cv_app.get(None)
    if app_context is None:
        return _NO_TRANSLATIONS
    ctx = app_context.g.__dict__.get("_flask_babel")
    found = _kept_catalog(ctx) if ctx is not None else None
    return found if found is not None else get_translations()


def install(app: Flask) -> None:
    """Use the request-cached domain for translations, and let templates reach its catalog
    directly (after Babel's init_app)."""
    if not isinstance(babel.__dict__.get("domain_instance"), RequestCachedDomain):
        babel.domain_instance = RequestCachedDomain(domain=app.extensions["babel"].default_domain)
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: catalog().ugettext(s),
        ngettext=lambda s, p, n: catalog().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: catalog().upgettext(c, s),
        npgettext=lambda c, s, p, n: catalog().unpgettext(c, s, p, n),
    )


TOKEN_PLACEHOLDER = f"wol-form-token-{secrets.token_hex(16)}"


def anonymous_page(template: str) -> str:
    """``template`` for an anonymous visitor, drawn once per language and path.

    Only for templates whose output depends on nothing but the language, the path and the
    configuration: what differs between such visitors is the form token in the header, put in
    afresh each time. Signed-in people, pending messages and query strings are drawn as usual.
    """
    if current_user.is_authenticated or session.get("_flashes") or request.query_string:
        return render_template(template)
    page = drawn_once(
        "anonymous-pages",
        (template, str(get_locale()), request.path, request.script_root),
        lambda: render_template(template, csrf_token=lambda: TOKEN_PLACEHOLDER),
    )
    return page.replace(TOKEN_PLACEHOLDER, generate_csrf())


@contextmanager
def token_placeholder() -> Iterator[None]:
    """While drawing something to keep: every form token drawn inside (``csrf_token()``, and the
    token fields of forms built inside) is ``TOKEN_PLACEHOLDER``, to be replaced by the
    session's own token on the way out. Flask-WTF keeps the request's token on ``g``."""
    name = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    saved = g.pop(name, None)
    setattr(g, name, TOKEN_PLACEHOLDER)
    try:
        yield
    finally:
        g.pop(name, None)
        if saved is not None:
            setattr(g, name, saved)


def keeping(app: Flask) -> bool:
    """Whether drawn pages and parts may be kept: not while templates are being edited (debug
    or template reloading), where every view must show the template as it is now."""
    return not (app.debug or app.config.get("TEMPLATES_AUTO_RELOAD"))


def drawn_once(name: str, key, draw: Callable[[], T], *, basis=None, limit: int = 20_000) -> T:
    """``draw()`` once for ``key``, kept in this process's store ``name`` while ``basis`` (what
    it was drawn from, compared in full) stays the same; drawn every time while not
    ``keeping``. The key and the basis together must hold everything the drawing shows."""
    if not keeping(current_app):
        return draw()
    store = kept(current_app, name, limit)
    found = store.get(key)
    if found is not None and found[0] == basis:
        return found[1]
    value = draw()
    store[key] = (basis, value)
    return value


def kept(app: Flask, name: str, limit: int = 20_000) -> dict:
    """The dictionary ``name`` of things kept by ``app`` in this process (emptied when it holds
    ``limit`` entries, so it never grows without end)."""
    store = app.extensions.setdefault("wol-kept", {}).setdefault(name, {})
    if len(store) >= limit:
        store.clear()
    return store
