"""Pages of the development mailbox: the list and one mail."""

from flask import abort, render_template, request
from sqlalchemy import select

from wol.devmail import bp
from wol.devmail.calendar_part import calendar_events
from wol.extensions import db
from wol.mail.models import OutboxMail

PAGE_SIZE = 50
MAX_ID = 2**31 - 1


@bp.get("")
def index():
    """Every queued mail, newest first, with its recipient, subject and delivery state."""
    number = min(max(request.args.get("page", 1, type=int), 1), 100_000)
    page = db.paginate(
        select(OutboxMail).order_by(OutboxMail.id.desc()),
        page=number,
        per_page=PAGE_SIZE,
        error_out=False,
    )
    return render_template("devmail/index.html", page=page)


@bp.get("/<int:mail_id>")
def show(mail_id: int):
    """One mail: its text and the events of its calendar part."""
    if mail_id > MAX_ID:
        abort(404)
    mail = db.get_or_404(OutboxMail, mail_id)
    method, events = calendar_events(mail.calendar)
    return render_template("devmail/show.html", mail=mail, method=method, events=events)
