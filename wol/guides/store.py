"""Reading and versioning the browser's translation layer in the database.

Readers' pages are cached per process; what keeps them right across workers and hosts is the
layer token: one row that every publish changes, read once per request (a primary-key look-up).
"""

from __future__ import annotations

import secrets
from datetime import datetime

from flask import g, has_app_context
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from wol.extensions import db
from wol.front import Check
from wol.guides.layer import PublishedPart
from wol.guides.models import GuideLayerState, GuideText

LAYER = "layer"
_G_KEY = "_wol_guide_layer_token"
# The layer's token: read by requests, and by the front (wol/front.py) as a check.
_LAYER_QUERY = select(GuideLayerState.token).where(GuideLayerState.name == LAYER)


def layer_token() -> str:
    """The token of the published layer ('' when nothing was ever published); read from the
    database once per request or command."""
    if not has_app_context():
        return ""
    token = g.get(_G_KEY)
    if token is None:
        token = _read_token()
        setattr(g, _G_KEY, token)
    return token


def _read_token() -> str:
    """One primary-key read on the request's own connection. Never a second connection from
    the pool: a request that already writes (a join, a check-in) and then renders a guide
    title would wait for a free connection while holding its lock, and under load every
    connection can be held by requests waiting for that lock."""
    token = db.session.execute(_LAYER_QUERY).scalar()
    return token or ""


def layer_check() -> Check:
    """The layer's token as a check of the front (wol/front.py): pages that show week titles
    are not given again after a publish."""
    return Check(_LAYER_QUERY)


def layer_token_column():
    """The layer's token as a column of another statement (a scalar subquery)."""
    return _LAYER_QUERY.scalar_subquery().label("layer_token")


def forget_layer_token() -> None:
    """Read the token afresh next time (after a commit of this request changed it)."""
    if has_app_context():
        g.pop(_G_KEY, None)


def published_parts() -> list[PublishedPart]:
    """Every published part of every translation."""
    rows = db.session.execute(
        select(
            GuideText.lang,
            GuideText.week,
            GuideText.part,
            GuideText.published_title,
            GuideText.published_body,
            GuideText.published_source,
            GuideText.published_english,
        )
        .where(GuideText.published_body.is_not(None))
        .order_by(GuideText.id)
    )
    return [PublishedPart(*row) for row in rows]


def set_state(name: str, token: str, now: datetime, data: str | None = None) -> None:
    """Write a state row (insert it the first time; two writers at once both succeed)."""
    values = {"token": token, "changed_at": now}
    if data is not None:
        values["data"] = data
    result = db.session.execute(
        update(GuideLayerState).where(GuideLayerState.name == name).values(**values)
    )
    if result.rowcount:
        return
    try:
        with db.session.begin_nested():
            db.session.add(GuideLayerState(name=name, **values))
    except IntegrityError:  # another writer inserted it first: update theirs
        db.session.execute(
            update(GuideLayerState).where(GuideLayerState.name == name).values(**values)
        )


def bump_layer(now: datetime) -> None:
    """Mark the layer as changed, so every cached page built from the old one is dropped."""
    set_state(LAYER, secrets.token_hex(16), now)
    forget_layer_token()
