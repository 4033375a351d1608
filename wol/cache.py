"""Work a request would otherwise repeat, done once.

Every page translates hundreds of strings. Flask-Babel looks up the request's locale and its
catalog again for each one (``gettext`` → ``get_translations`` → ``get_locale`` → a dictionary
keyed by the locale's name); the dashboard spent a third of its time there. The domain below
keeps the catalog it found on the request, next to the locale it was found for, and uses it
while that locale is the request's: ``force_locale`` (mail in the reader's language) and
``refresh`` put another locale object in place, so the catalog is looked up again for it.
"""

from flask import Flask, g
from flask_babel import Domain, get_locale

from wol.extensions import babel

_KEY = "wol_translations"


class RequestCachedDomain(Domain):
    """Flask-Babel's domain, with the catalog kept per request and locale."""

    def get_translations(self):
        """The catalog of the request's current locale (looked up once per locale)."""
        ctx = g.get("_flask_babel") if g else None
        if ctx is None:
            return super().get_translations()
        locale = getattr(ctx, "babel_locale", None)
        kept = getattr(ctx, _KEY, None)
        if locale is not None and kept is not None and kept[0] is locale:
            return kept[1]
        translations = super().get_translations()
        setattr(ctx, _KEY, (get_locale(), translations))
        return translations


def install(app: Flask) -> None:
    """Use the request-cached domain for translations (after Babel's init_app)."""
    if not isinstance(babel.__dict__.get("domain_instance"), RequestCachedDomain):
        babel.domain_instance = RequestCachedDomain(domain=app.extensions["babel"].default_domain)
