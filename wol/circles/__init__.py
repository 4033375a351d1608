"""Circles: start one, recruit with a link, seats and waiting list, the twelve meetings."""

from flask import Blueprint

bp = Blueprint("circles", __name__)


@bp.record_once
def _watch_changes(_state) -> None:
    """Raise the circles' versions on every change their pages show (wol/circles/versions.py),
    after the directory's counter: every process locks the two in the same order."""
    from wol.circles import versions
    from wol.directory import changes

    changes.install()
    versions.install()


from wol.circles import routes  # noqa: E402, F401
