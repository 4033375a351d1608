"""Admin pages: granting roles, and mail that could not be delivered."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import or_, select

from wol.access import role_required
from wol.admin import bp
from wol.auth.models import ROLES, User
from wol.auth.service import set_roles
from wol.extensions import db
from wol.i18n import gettext as _
from wol.mail.models import FAILED, PENDING, OutboxMail


@bp.get("/users")
@role_required("admin")
def users():
    """List accounts with their roles, searchable by name or address."""
    query = (request.args.get("q") or "").strip()[:100]
    # Erased accounts are empty shells kept for the circles' counts: not people to manage.
    stmt = select(User).where(User.erased_at.is_(None)).order_by(User.display_name, User.id)
    if query:
        like = f"%{query.lower()}%"
        stmt = stmt.where(
            db.or_(db.func.lower(User.display_name).like(like), User.email_key.like(like))
        )
    page = db.paginate(stmt, page=page_number(), per_page=50, error_out=False)
    return render_template("admin/users.html", page=page, query=query, roles=ROLES)


def page_number(last: int = 100_000) -> int:
    """The ``?page=`` asked for: 1 when missing or not a number, 404 beyond ``last``."""
    value = request.args.get("page", "")
    if not value.isdigit():
        return 1
    if len(value) > 6 or int(value) > last:
        abort(404)
    return max(int(value), 1)


@bp.get("/mail")
@role_required("admin")
def mail():
    """Mails that could not be delivered, with the reason, and mails waiting for a retry."""
    stuck = db.paginate(
        select(OutboxMail)
        .where(
            or_(
                OutboxMail.status == FAILED,
                (OutboxMail.status == PENDING) & (OutboxMail.attempts > 0),
            )
        )
        .order_by(OutboxMail.created_at.desc(), OutboxMail.id.desc()),
        page=page_number(),
        per_page=50,
        error_out=False,
    )
    return render_template("admin/mail.html", page=stuck, FAILED=FAILED)


@bp.post("/users/<int:user_id>/roles")
@role_required("admin")
def update_roles(user_id: int):
    """Grant or take back roles for one account."""
    user = db.get_or_404(User, user_id)
    wanted = set(request.form.getlist("roles"))
    if not wanted <= set(ROLES):
        abort(400)
    if user.id == current_user.id and "admin" not in wanted:
        flash(_("You cannot take away your own admin role."), "error")
        return redirect(url_for("admin.users")), 303
    set_roles(user, wanted)
    db.session.commit()
    flash(_("Roles of %(name)s are saved.", name=user.display_name), "success")
    return redirect(url_for("admin.users", q=request.args.get("q") or None))
