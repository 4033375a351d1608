"""Directory entries, drawn once and kept with the open circles they show.

Twenty entries a page, each with three dates in the reader's language and a join form, were
two thirds of a directory page once its circles were kept. An entry shows nothing but its
circle as kept (wol/directory/listing.py), whether the reader is a member, the holidays its
meetings fall in, the filter (hidden in its join form), the language and the reader's zone:
it is drawn once for each of these and kept inside the listing, so a new version of the
directory draws it anew. The form token is the session's, put in on the way out.
"""

from flask import current_app, render_template
from flask_babel import get_locale
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from wol.cache import TOKEN_PLACEHOLDER, keeping
from wol.directory.filters import DAYPARTS, WEEKDAYS, DirectoryFilter
from wol.directory.listing import Listing

ENTRY_TEMPLATE = "directory/_entry.html"
FILTERS_TEMPLATE = "directory/_filters.html"
MAX_DRAWN = 5000


def filters_html(
    listing: Listing, filt: DirectoryFilter, months: list[str], places: list[str], viewer_tz: str
) -> Markup:
    """The filter form, drawn once per filter, language, zone and months for this version of
    the directory (its place suggestions are the version's)."""
    key = ("filters", str(get_locale()), viewer_tz, filt.query_string(), tuple(months))
    html = listing.drawn.get(key) if keeping(current_app) else None
    if html is None:
        html = Markup(  # noqa: S704 - a template render, escaped by Jinja
            render_template(
                FILTERS_TEMPLATE,
                filt=filt,
                weekdays=WEEKDAYS,
                dayparts=DAYPARTS,
                months=months,
                places=places,
                viewer_tz=viewer_tz,
            )
        )
        if keeping(current_app):
            listing.drawn[key] = html
    return html


def entries_html(listing: Listing, entries: list, filt: DirectoryFilter, viewer_tz: str) -> list:
    """The directory entries of a page as HTML, drawn once per what they show."""
    keep = keeping(current_app)
    language = str(get_locale())
    query = filt.query_string()
    drawn = listing.drawn
    if len(drawn) >= MAX_DRAWN:
        drawn.clear()
    token = generate_csrf()
    pieces = []
    for entry in entries:
        holidays = tuple((hit.week, hit.period) for hit in entry.quiet)
        key = (entry.circle.id, entry.is_member, holidays, query, language, viewer_tz)
        html = drawn.get(key) if keep else None
        if html is None:
            html = Markup(  # noqa: S704 - a template render, escaped by Jinja
                render_template(
                    ENTRY_TEMPLATE,
                    entry=entry,
                    filt=filt,
                    viewer_tz=viewer_tz,
                    csrf_token=lambda: TOKEN_PLACEHOLDER,
                )
            )
            if keep:
                drawn[key] = html
        pieces.append(Markup(html.replace(TOKEN_PLACEHOLDER, token)))  # noqa: S704 - as drawn
    return pieces
