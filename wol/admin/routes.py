"""The admin page for granting roles."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from wol.access import role_required
from wol.admin import bp
from wol.auth.models import ROLES, User
from wol.auth.service import set_roles
from wol.extensions import db


@bp.get("/users")
@role_required("admin")
def users():
    """List accounts with their roles, searchable by name or address."""
    query = (request.args.get("q") or "").strip()[:100]
    stmt = select(User).order_by(User.display_name, User.id)
    if query:
        like = f"%{query.lower()}%"
        stmt = stmt.where(
            db.or_(db.func.lower(User.display_name).like(like), User.email_key.like(like))
        )
    page = db.paginate(stmt, per_page=50, error_out=False)
    return render_template("admin/users.html", page=page, query=query, roles=ROLES)


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
