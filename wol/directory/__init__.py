"""Find a circle: the directory of listed circles, alerts for new ones, and quiet periods."""

from flask import Blueprint

bp = Blueprint("directory", __name__)


@bp.record_once
def _watch_changes(_state) -> None:
    """Raise the directory's version on every change it shows (wol/directory/changes.py)."""
    from wol.directory import changes

    changes.install()


from wol.directory import routes  # noqa: E402, F401
