"""Proposals of a sign-up round: form, move one person, confirm exactly once.

Services flush but never commit; the route commits once. Confirming is one conditional UPDATE
on the round's state, so two clicks (or two organisers) make one set of circles.

The stored proposal (``Round.proposal``, JSON) holds ``circles`` (language, slot, member keys),
``left_out`` (key and reason), ``totals`` and ``seconds``; keys are lower-cased addresses.
"""

import json
from datetime import date, datetime, timedelta

from sqlalchemy import delete, event, select, update
from sqlalchemy.orm import selectinload

from wol.auth.models import User
from wol.auth.service import find_user_by_email, register_user
from wol.calendar import service as calendar
from wol.circles import service as circles
from wol.circles.models import LANGUAGES, Circle, Membership, WaitlistEntry
from wol.errors import Conflict, DomainError
from wol.extensions import db
from wol.i18n import gettext as _
from wol.i18n import ngettext
from wol.rounds import forming, notifications
from wol.rounds.models import CONFIRMED, OPEN, Round, RoundCircle, Signup
from wol.rounds.service import language_name, require_manage
from wol.rounds.slots import slot_label, slot_parts
from wol.timestamps import utcnow
from wol.tokens import new_token


def people_of(round_: Round) -> list[forming.Person]:
    """The sign-ups as the forming algorithm sees them."""
    return [
        forming.Person(
            s.email_key,
            s.department,
            tuple(s.languages.split()),
            tuple(s.slots.split()),
            s.be_with,
            frozenset(s.not_with_list),
        )
        for s in round_.signups
    ]


def form(round_: Round, by: User, now: datetime | None = None) -> dict:
    """Compute a proposal from the current sign-ups and keep it on the round."""
    require_manage(round_, by)
    if round_.is_confirmed:
        raise Conflict(_("This round is already confirmed."))
    people = people_of(round_)
    proposal = forming.form_circles(people, budget_s=1.0)
    data = {
        "circles": [
            {"language": c.language, "slot": c.slot, "members": c.members} for c in proposal.circles
        ],
        "left_out": [
            {
                "key": o.key,
                "code": o.reason.code,
                "groups": [list(g) for g in o.reason.groups],
                "placed": o.reason.placed,
            }
            for o in proposal.left_out
        ],
        "seconds": round(proposal.seconds, 3),
        "formed_at": (now or utcnow()).isoformat(),
    }
    data["totals"] = _totals(people, data)
    round_.proposal = json.dumps(data)
    round_.proposal_version = round_.version
    db.session.flush()
    return data


def _totals(people: list[forming.Person], data: dict) -> dict:
    """The proposal's totals as a plain dict."""
    t = forming.totals(people, proposal_circles(data))
    return {
        "placed": t.placed,
        "departments": t.departments,
        "bound": t.bound,
        "requests": t.requests,
        "requests_honoured": t.requests_honoured,
        "requests_unknown": t.requests_unknown,
        "people": len(people),
    }


def proposal_circles(data: dict) -> list[forming.Circle]:
    """The proposal's circles for the forming module."""
    return [forming.Circle(c["language"], c["slot"], list(c["members"])) for c in data["circles"]]


def is_stale(round_: Round) -> bool:
    """True when sign-ups changed after the proposal was formed."""
    return round_.proposal is not None and round_.proposal_version != round_.version


def move(round_: Round, by: User, key: str, target: int | None) -> dict:
    """Move one person to circle ``target`` (0-based; None: out of every circle), checked
    against the hard rules; DomainError with the reason when refused."""
    require_manage(round_, by)
    if round_.is_confirmed:
        raise Conflict(_("This round is already confirmed."))
    data = round_.proposal_data()
    if data is None:
        raise Conflict(_("Form circles first."))
    if is_stale(round_):
        raise Conflict(_("Sign-ups changed since the circles were formed. Form them again."))
    people = people_of(round_)
    by_key = {p.key: p for p in people}
    if key not in by_key or (target is not None and not 0 <= target < len(data["circles"])):
        raise DomainError(_("Choose a person and a circle from the proposal."), field="target")
    circles_now = proposal_circles(data)
    refusal = forming.check_move(people, circles_now, key, target)
    if refusal is not None:
        raise DomainError(
            _refusal_text(refusal, _name_of(round_, key), circles_now, target), field="target"
        )
    forming.apply_move(circles_now, key, target)
    for raw, circle in zip(data["circles"], circles_now, strict=True):
        raw["members"] = circle.members
    data["left_out"] = [o for o in data["left_out"] if o["key"] != key]
    if target is None:
        data["left_out"].append({"key": key, "code": "moved", "groups": [], "placed": 0})
    data["totals"] = _totals(people, data)
    round_.proposal = json.dumps(data)
    db.session.flush()
    return data


def _name_of(round_: Round, key: str) -> str:
    """The name of the person who signed up with ``key``."""
    return next((s.name for s in round_.signups if s.email_key == key), key)


def _refusal_text(code: str, name: str, circles_now, target) -> str:
    """Why a move breaks a hard rule, in words."""
    circle = circles_now[target] if target is not None else None
    if code == "language":
        return _(
            "%(name)s did not choose %(language)s.",
            name=name,
            language=language_name(circle.language),
        )
    if code == "slot":
        return _("%(name)s cannot come on %(slot)s.", name=name, slot=slot_label(circle.slot))
    if code == "full":
        return _("That circle has five members already.")
    if code == "too_small":
        return _(
            "The circle of %(name)s would keep only three members; a circle needs at least four.",
            name=name,
        )
    if code == "not_with":
        return _('A "not with" request keeps %(name)s out of that circle.', name=name)
    return _("%(name)s is in that circle already.", name=name)


def reason_text(entry: dict) -> str:
    """Why someone was left out, in words, in the reader's language."""
    code, groups = entry["code"], entry.get("groups") or []
    if code == "too_few":
        return "; ".join(
            ngettext(
                "only %(num)d person chose %(slot)s in %(language)s",
                "only %(num)d people chose %(slot)s in %(language)s",
                n,
                slot=slot_label(slot),
                language=language_name(lang),
            )
            for lang, slot, n in groups
        )
    if code == "not_cuttable" and groups:
        lang, slot, n = groups[0]
        return _(
            "%(num)d people chose %(slot)s in %(language)s; circles of 4 or 5 could "
            "hold %(placed)d of them, and every other time they chose was full or too "
            "small",
            num=n,
            slot=slot_label(slot),
            language=language_name(lang),
            placed=entry.get("placed", 0),
        )
    if code == "not_with":
        return _('every circle that fits their choices would break a "not with" request')
    if code == "moved":
        return _("taken out of the circles by the organiser")
    return _("chose no time or language of this round")


# --- confirming ---------------------------------------------------------------------------


def confirm(round_: Round, by: User, today: date, now: datetime | None = None) -> list[Circle]:
    """Create the proposal's circles with their meetings and send the mails: exactly once."""
    now = now or utcnow()
    require_manage(round_, by)
    data = round_.proposal_data()
    if round_.is_confirmed:
        raise Conflict(_("This round is already confirmed; its circles exist."))
    if data is None:
        raise Conflict(_("Form circles first."))
    if not data["circles"]:
        raise Conflict(_("Nobody can be placed yet, so there are no circles to confirm."))
    claimed = db.session.execute(
        update(Round)
        .where(Round.id == round_.id, Round.state == OPEN, Round.version == round_.proposal_version)
        .values(state=CONFIRMED, confirmed_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(round_)
    if claimed.rowcount != 1:
        if round_.is_confirmed:
            raise Conflict(_("This round is already confirmed; its circles exist."))
        raise Conflict(_("Sign-ups changed since the circles were formed. Form them again."))
    signups = {s.email_key: s for s in round_.signups}
    accounts, new_accounts = _accounts_for(round_, signups)
    created = []
    for number, raw in enumerate(data["circles"], 1):
        circle = _create_circle(round_, number, raw, today)
        members = [accounts[key] for key in raw["members"]]
        circle.memberships = [Membership(user=user, joined_at=now) for user in members]
        circle.seats_taken = len(members)
        db.session.add(RoundCircle(round_id=round_.id, circle=circle, slot=raw["slot"]))
        db.session.flush()
        calendar.send_invitation(circle, members, update=False)
        for user in members:
            notifications.placed(
                round_,
                circle,
                user,
                [m for m in members if m is not user],
                new_account=user.email_key in new_accounts,
            )
        created.append((circle, raw))
    for entry in data["left_out"]:
        user = accounts[entry["key"]]
        waiting = _put_on_waiting_lists(user, signups[entry["key"]], signups, created)
        notifications.left_out(
            round_, user, reason_text(entry), waiting, new_account=user.email_key in new_accounts
        )
    db.session.flush()
    return [circle for circle, _raw in created]


def _accounts_for(round_: Round, signups: dict[str, Signup]) -> tuple[dict[str, User], set[str]]:
    """The account of every sign-up, and the addresses whose account wol made just now:
    imported people without one get one (they choose a password through "forgot password")."""
    accounts: dict[str, User] = {}
    new: set[str] = set()
    for key, signup in signups.items():
        user = signup.user or find_user_by_email(key)
        if user is None:
            new.add(key)
            language = next((lang for lang in signup.languages.split() if lang in LANGUAGES), "nl")
            user = register_user(
                signup.email, signup.name, new_token(), language=language, timezone=round_.timezone
            )
        signup.user_id = user.id
        accounts[key] = user
    return accounts, new


def _create_circle(round_: Round, number: int, raw: dict, today: date) -> Circle:
    """One circle with its twelve meetings, through the circles service."""
    weekday, at = slot_parts(raw["slot"])
    name = f"{round_.title[:72]} {number}"
    details = circles.CircleDetails(
        name=name,
        language=raw["language"],
        first_day=round_.first_week + timedelta(days=weekday),
        local_time=at,
        timezone=round_.timezone,
        kind=round_.kind,
        place=round_.place,
        video_url=round_.video_url,
        description=round_.description,
    )
    return circles.create_circle(round_.organiser, details, join=False, today=today)


def _put_on_waiting_lists(user: User, signup: Signup, signups: dict[str, Signup], created) -> int:
    """Put a person left out on the waiting list of every new full circle of a language and
    time they chose where nobody is on their "not with" list (nor they on anyone's); return
    how many. (A circle of four has a seat free already; someone who fits it was only left out
    by the organiser's own move, so it is not offered behind their back.)"""
    count = 0
    mine = set(signup.not_with_list)
    for circle, raw in created:
        if circle.seats_left:
            continue
        if raw["language"] not in signup.languages.split():
            continue
        if raw["slot"] not in signup.slots.split():
            continue
        others = {m.user.email_key for m in circle.memberships}
        if mine & others:
            continue
        if any(signup.email_key in signups[key].not_with_list for key in others):
            continue
        circles.join_waitlist(circle, user)
        count += 1
    return count


@event.listens_for(Membership, "after_insert")
def _leave_sibling_waiting_lists(mapper, connection, membership) -> None:
    """Someone who gets a seat in a round's circle leaves the waiting lists of that round's
    other circles (a seat offer already held runs out as usual)."""
    same_round = (
        select(RoundCircle.round_id)
        .where(RoundCircle.circle_id == membership.circle_id)
        .scalar_subquery()
    )
    siblings = select(RoundCircle.circle_id).where(
        RoundCircle.round_id == same_round, RoundCircle.circle_id != membership.circle_id
    )
    connection.execute(
        delete(WaitlistEntry).where(
            WaitlistEntry.user_id == membership.user_id,
            WaitlistEntry.circle_id.in_(siblings),
            WaitlistEntry.offered_at.is_(None),
        )
    )


def round_circles(round_: Round) -> list[Circle]:
    """The circles a confirmed round created, with members and meetings."""
    ids = select(RoundCircle.circle_id).where(RoundCircle.round_id == round_.id)
    return list(
        db.session.scalars(
            select(Circle)
            .where(Circle.id.in_(ids))
            .order_by(Circle.id)
            .options(
                selectinload(Circle.memberships).selectinload(Membership.user),
                selectinload(Circle.meetings),
            )
        )
    )


def waiting(round_: Round) -> list[tuple[User, int]]:
    """People of the round on a waiting list of its circles, with how many lists."""
    ids = select(RoundCircle.circle_id).where(RoundCircle.round_id == round_.id)
    rows = db.session.execute(
        select(User, db.func.count())
        .join(WaitlistEntry, WaitlistEntry.user_id == User.id)
        .where(WaitlistEntry.circle_id.in_(ids))
        .group_by(User.id)
        .order_by(User.display_name)
    )
    return [(user, n) for user, n in rows]
