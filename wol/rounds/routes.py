"""Sign-up round pages: open a round, sign up, form circles, adjust, confirm, spreadsheets."""

import io

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms.fields.choices import SelectChoice

from wol.access import role_required
from wol.circles.forms import ConfirmForm
from wol.errors import DomainError
from wol.extensions import db
from wol.forms import language_choices, show_domain_error
from wol.front import keep
from wol.i18n import gettext
from wol.i18n import gettext as _
from wol.rounds import bp, proposals, service, views
from wol.rounds.forms import ImportForm, MoveForm, RoundForm, SignupForm
from wol.rounds.models import Round
from wol.rounds.slots import slot_label
from wol.rounds.spreadsheet import TooLarge, read_text, write_proposal
from wol.timestamps import today_in, utcnow


@bp.app_template_filter("slot_label")
def slot_label_filter(code: str) -> str:
    """ "Tuesday 12:00" for a slot code, in the reader's language."""
    return slot_label(code)


@bp.app_template_filter("language_name")
def language_name_filter(code: str) -> str:
    """ "Dutch" for "nl", in the reader's language."""
    return service.language_name(code)


def _managed_round(round_id: int, with_signups: bool = True) -> Round:
    """The round the current user manages (its sign-ups loaded unless told not to), or
    404/403."""
    round_ = service.load_round(round_id) if with_signups else db.session.get(Round, round_id)
    if round_ is None:
        abort(404)
    if not service.can_manage(round_, current_user):
        abort(403)
    return round_


def _round_of_link(token: str) -> Round:
    """The round of a sign-up link, or a 404 page that says the link is not valid."""
    round_ = service.find_by_signup_token(token)
    if round_ is None:
        abort(make_response(render_template("rounds/link_invalid.html"), 404))
    return round_


@bp.get("/rounds")
@role_required("organiser")
def index():
    """The sign-up rounds this organiser runs."""
    return render_template("rounds/index.html", rounds=service.rounds_of(current_user))


@bp.route("/rounds/new", methods=["GET", "POST"])
@role_required("organiser")
def new():
    """Open a sign-up round."""
    form = RoundForm()
    if request.method == "GET":
        form.timezone.data = current_user.timezone
        form.languages.data = [current_user.language]
    if form.validate_on_submit():
        details = service.RoundDetails(
            title=form.title.data,
            description=form.description.data,
            languages=form.languages.data,
            slots=form.slot_codes,
            timezone=form.timezone.data,
            first_week=form.first_week.data,
            deadline=form.deadline.data,
            kind=form.kind.data,
            place=form.place.data,
            video_url=form.video_url.data,
        )
        try:
            round_ = service.create_round(current_user, details, today_in(current_user.timezone))
        except DomainError as exc:
            if exc.status != 400:
                raise
            show_domain_error(form, exc)
        else:
            db.session.commit()
            flash(_("The round is open. Share the sign-up link."), "success")
            return redirect(url_for("rounds.detail", round_id=round_.id))
    status = 400 if form.errors or form.form_errors else 200
    return render_template("rounds/new.html", form=form), status


def _render_detail(
    round_: Round,
    import_form: ImportForm | None = None,
    problems: list[str] | None = None,
    status: int = 200,
):
    """The organiser's round page."""
    return render_template(
        "rounds/detail.html",
        round=round_,
        signups=views.signups_part(round_),
        signup_url=url_for("rounds.signup", token=round_.signup_token, _external=False),
        is_open=service.is_open(round_, utcnow()),
        import_form=import_form or ImportForm(formdata=None),
        problems=problems or [],
        # Only for its CSRF token: never read the request (it may be the upload that was
        # too large).
        confirm=ConfirmForm(formdata=None),
        slot_label=slot_label,
        language_name=service.language_name,
        circles=proposals.round_circles(round_) if round_.is_confirmed else [],
        waiting=proposals.waiting(round_) if round_.is_confirmed else [],
    ), status


@bp.get("/rounds/<int:round_id>")
@login_required
def detail(round_id: int):
    """Sign-ups, counts per language and time, the link, import, and forming."""
    # The sign-ups are read as rows, and only when they changed (wol/rounds/views.py).
    keep(*views.front_checks(round_id))
    return _render_detail(_managed_round(round_id, with_signups=False))


@bp.post("/rounds/<int:round_id>/link/rotate")
@login_required
def rotate(round_id: int):
    """Renew the sign-up link; the old one stops working."""
    round_ = _managed_round(round_id)
    service.rotate_link(round_, current_user)
    db.session.commit()
    flash(_("The sign-up link is renewed. The old link no longer works."), "success")
    return redirect(url_for("rounds.detail", round_id=round_.id))


@bp.errorhandler(RequestEntityTooLarge)
def too_large(exc):
    """An upload over the request limit: say so on the round page, in words."""
    message = _(
        "The file is larger than 1 MB. Import at most %(count)d sign-ups at a time.",
        count=service.MAX_IMPORT_ROWS,
    )
    round_id = (request.view_args or {}).get("round_id")
    round_ = service.load_round(round_id) if round_id else None
    if round_ is None or not service.can_manage(round_, current_user):
        return render_template(
            "error.html", status=413, title=_("That is too much at once"), hint=message
        ), 413
    return _render_detail(round_, ImportForm(formdata=None), [message], 413)


@bp.post("/rounds/<int:round_id>/import")
@login_required
def import_signups(round_id: int):
    """Import sign-ups from a CSV file."""
    round_ = _managed_round(round_id)
    form = ImportForm()
    upload = request.files.get("file")
    if not form.validate_on_submit() or upload is None or not upload.filename:
        return _render_detail(round_, form, [_("Choose a CSV file to import.")], 400)
    try:
        rows, problems = read_text(upload.read(), max_rows=service.MAX_IMPORT_ROWS)
    except TooLarge:
        return _render_detail(
            round_,
            form,
            [
                _(
                    "The file is too large or not CSV text (UTF-8). Import at most %(count)d "
                    "sign-ups at a time.",
                    count=service.MAX_IMPORT_ROWS,
                )
            ],
            400,
        )
    if problems:
        return _render_detail(
            round_, form, [gettext(p.template, **dict(p.params)) for p in problems[:50]], 400
        )
    saved, problems = service.import_rows(round_, current_user, rows)
    if problems:
        db.session.rollback()
        return _render_detail(service.load_round(round_id), form, problems[:50], 400)
    db.session.commit()
    flash(_("Sign-ups imported: %(count)d.", count=saved), "success")
    return redirect(url_for("rounds.detail", round_id=round_id))


@bp.post("/rounds/<int:round_id>/form")
@login_required
def form_circles(round_id: int):
    """Compute a proposal from the sign-ups."""
    round_ = _managed_round(round_id)
    data = proposals.form(round_, current_user)
    db.session.commit()
    if not data["circles"]:
        flash(_("Nobody can be placed yet: see why below."), "info")
    return redirect(url_for("rounds.proposal", round_id=round_id))


def _render_proposal(round_: Round, move_form: MoveForm | None = None, status: int = 200):
    """The proposal page."""
    data = round_.proposal_data()
    if data is None:
        return redirect(url_for("rounds.detail", round_id=round_.id))
    signups = {s.email_key: s for s in views.signup_rows(round_.id)}
    form = move_form or MoveForm()
    return render_template(
        "rounds/proposal.html",
        round=round_,
        data=data,
        signups=signups,
        move_form=form,
        confirm=ConfirmForm(),
        stale=proposals.is_stale(round_),
        slot_label=slot_label,
        language_name=service.language_name,
        reason_text=proposals.reason_text,
        departments=[
            sorted({signups[k].department for k in c["members"]}) for c in data["circles"]
        ],
        move_options=_move_options(signups.values(), data),
    ), status


def _move_options(signups, data: dict):
    """``options(key, current)``: the drawn ``<option>``s of a person's move list, without the
    place they are in now: the circles of a language and time they chose (a move there may
    still be refused, with the reason), and "no circle". ``signups``: rows with ``email_key``,
    ``languages`` and ``slots``.

    Each circle's option is drawn once, and people who chose the same languages and times share
    one list: with 500 people in about 100 circles, some 15,000 circle names were put into words
    and drawn one by one before.
    """

    def option(value: str, label: str) -> Markup:
        return Markup('<option value="{}">{}</option>').format(value, label)

    circles = [
        (str(n), c["language"], c["slot"], option(str(n), _("Circle %(number)d", number=n + 1)))
        for n, c in enumerate(data["circles"])
    ]
    out = ("out", option("out", _("No circle (leave out)")))
    lists: dict[tuple[str, str], list[tuple[str, Markup]]] = {}
    targets = {}
    for s in signups:
        chosen = (s.languages, s.slots)
        if chosen not in lists:
            languages, slots = set(s.languages.split()), set(s.slots.split())
            lists[chosen] = [
                (value, drawn)
                for value, language, slot, drawn in circles
                if language in languages and slot in slots
            ] + [out]
        targets[s.email_key] = lists[chosen]

    def options(key: str, current: str) -> Markup:
        # Each option is escaped already (drawn above): joined as text, not escaped again.
        return Markup("".join(drawn for value, drawn in targets[key] if value != current))  # noqa: S704

    return options


@bp.get("/rounds/<int:round_id>/proposal")
@login_required
def proposal(round_id: int):
    """Each proposed circle, the totals, and who is left out and why."""
    return _render_proposal(_managed_round(round_id, with_signups=False))


@bp.post("/rounds/<int:round_id>/proposal/move")
@login_required
def move(round_id: int):
    """Move one person; refused with the reason when it breaks a hard rule."""
    round_ = _managed_round(round_id)
    form = MoveForm()
    if form.validate_on_submit():
        target = None if form.target.data == "out" else _int_or_none(form.target.data)
        if target is None and form.target.data != "out":
            abort(400)
        try:
            proposals.move(round_, current_user, form.person.data, target)
        except DomainError as exc:
            if exc.status != 400:
                raise
            show_domain_error(form, exc)
            return _render_proposal(service.load_round(round_id), form, 400)
        db.session.commit()
        flash(_("Moved. The totals are updated."), "success")
        return redirect(url_for("rounds.proposal", round_id=round_id))
    return _render_proposal(round_, form, 400)


def _int_or_none(value: str | None) -> int | None:
    """An integer from a form value, or None."""
    return int(value) if value and value.isdigit() and len(value) < 6 else None


@bp.post("/rounds/<int:round_id>/confirm")
@login_required
def confirm(round_id: int):
    """Create the circles and send the mails, once."""
    round_ = _managed_round(round_id)
    created = proposals.confirm(round_, current_user, today_in(current_user.timezone))
    db.session.commit()
    flash(
        _("%(count)d circles are created and everyone has a mail.", count=len(created)), "success"
    )
    return redirect(url_for("rounds.detail", round_id=round_id))


@bp.get("/rounds/<int:round_id>/proposal.csv")
@login_required
def export(round_id: int):
    """The proposal as CSV: one row per person."""
    round_ = _managed_round(round_id)
    data = round_.proposal_data()
    if data is None:
        abort(404)
    out = io.StringIO()
    write_proposal(
        proposals.people_of(round_), proposals.proposal_circles(data), out, spreadsheet_safe=True
    )
    response = make_response(out.getvalue())
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="round-{round_id}.csv"'
    return response


# --- the public sign-up page ------------------------------------------------------------


@bp.route("/signup/<token>", methods=["GET", "POST"])
def signup(token: str):
    """What the round is, and the sign-up form (a newcomer registers first and comes back)."""
    round_ = _round_of_link(token)
    now = utcnow()
    is_open = service.is_open(round_, now)
    if not current_user.is_authenticated:
        return render_template(
            "rounds/signup.html",
            round=round_,
            form=None,
            mine=None,
            is_open=is_open,
            slot_label=slot_label,
            token=token,
        )
    mine = service.signup_of(round_, current_user)
    form = SignupForm()
    languages = {c.value: c.label for c in language_choices()}
    form.languages.choices = [
        SelectChoice(code, languages.get(code, code), render_kw={"lang": code})
        for code in round_.language_list
    ]
    form.slots.choices = [(code, slot_label(code)) for code in round_.slot_list]
    if request.method == "GET" and mine is not None:
        form.languages.data = mine.languages.split()
        form.slots.data = mine.slots.split()
        form.department.data = mine.department
        form.be_with.data = mine.be_with or ""
        form.not_with.data = "\n".join(mine.not_with_list)
    elif request.method == "GET" and current_user.language in round_.language_list:
        form.languages.data = [current_user.language]
    if request.method == "POST" and form.validate_on_submit():
        choices = service.Choices(
            name=current_user.display_name,
            department=form.department.data,
            languages=form.languages.data,
            slots=form.slots.data,
            be_with=form.be_with.data,
            not_with=tuple(form.not_with_list),
        )
        try:
            service.save_signup(round_, current_user, choices, now)
        except DomainError as exc:
            if exc.status != 400:
                raise
            show_domain_error(form, exc)
        else:
            db.session.commit()
            flash(
                _(
                    "You are signed up. You can change this until the deadline; we mail you "
                    "when the circles are formed."
                )
                if mine is None
                else _("Your sign-up is changed."),
                "success",
            )
            return redirect(url_for("rounds.signup", token=token))
    status = 400 if form.errors or form.form_errors else 200
    return render_template(
        "rounds/signup.html",
        round=round_,
        form=form,
        mine=mine,
        is_open=is_open,
        slot_label=slot_label,
        token=token,
        confirm=ConfirmForm(),
    ), status


@bp.post("/signup/<token>/withdraw")
@login_required
def withdraw(token: str):
    """Withdraw one's sign-up."""
    round_ = _round_of_link(token)
    service.withdraw(round_, current_user)
    db.session.commit()
    flash(_("Your sign-up is withdrawn."), "info")
    return redirect(url_for("rounds.signup", token=token))
