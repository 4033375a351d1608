"""Sign-up round rules: open a round, sign up, form a proposal, move people, confirm once.

Services flush but never commit; the route commits once. Confirming is one conditional UPDATE
on the round's state, so two clicks (or two organisers) make one set of circles.

The stored proposal (``Round.proposal``, JSON) holds ``circles`` (language, slot, member keys),
``left_out`` (key and reason), ``totals`` and ``seconds``; keys are lower-cased addresses.
"""

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import delete, event, select, update
from sqlalchemy.orm import selectinload

from wol.auth.models import User
from wol.auth.service import find_user_by_email, register_user
from wol.calendar import service as calendar
from wol.circles import service as circles
from wol.circles.models import KINDS, LANGUAGES, Circle, Membership, WaitlistEntry
from wol.errors import Conflict, DomainError, NotAllowed
from wol.extensions import db
from wol.i18n import is_timezone
from wol.rounds import forming, notifications
from wol.rounds.models import CONFIRMED, OPEN, Round, RoundCircle, Signup
from wol.rounds.slots import slot_code, slot_label, slot_parts
from wol.rounds.spreadsheet import Row
from wol.timestamps import utcnow
from wol.tokens import find_by_token, new_token

MAX_SLOTS = 20
MAX_NOT_WITH = 10
MAX_IMPORT_ROWS = 5_000


@dataclass(frozen=True)
class RoundDetails:
    """What an organiser enters to open a round."""

    title: str
    languages: list[str]
    slots: list[str]  # slot codes, "1@12:00"
    timezone: str
    first_week: date
    deadline: date
    description: str | None = None
    kind: str = "online"
    place: str | None = None
    video_url: str | None = None


@dataclass(frozen=True)
class Choices:
    """What a person enters to sign up."""

    name: str
    department: str
    languages: list[str]
    slots: list[str]
    be_with: str | None = None
    not_with: tuple[str, ...] = ()


# --- opening a round -----------------------------------------------------------------------


def _check_details(details: RoundDetails, today: date) -> None:
    """Raise DomainError for the first value that breaks a rule."""
    if not details.title.strip() or len(details.title.strip()) > 120:
        raise DomainError(_("Give the round a title of at most 120 characters."), field="title")
    if not details.languages or any(lang not in LANGUAGES for lang in details.languages):
        raise DomainError(_("Offer at least one language."), field="languages")
    if not details.slots:
        raise DomainError(_("Offer at least one weekly time."), field="slots")
    if len(details.slots) > MAX_SLOTS:
        raise DomainError(_("Offer at most %(count)d weekly times.", count=MAX_SLOTS),
                          field="slots")
    if not is_timezone(details.timezone):
        raise DomainError(_("Choose a time zone from the list."), field="timezone")
    if details.kind not in KINDS:
        raise DomainError(_("Choose in person, online or both."), field="kind")
    if details.kind in ("online", "hybrid") and not details.video_url:
        raise DomainError(_("Online circles need a video-call link."), field="video_url")
    if details.kind in ("in_person", "hybrid") and not details.place:
        raise DomainError(_("Say where the circles meet."), field="place")
    if details.deadline < today:
        raise DomainError(_("The sign-up deadline cannot be in the past."), field="deadline")
    if details.first_week <= details.deadline:
        raise DomainError(_("The first week must come after the sign-up deadline."),
                          field="first_week")
    if details.first_week > today + timedelta(days=circles.MAX_FUTURE_DAYS - 7):
        raise DomainError(_("The first week must be within a year from now."),
                          field="first_week")


def _end_of_day(day: date, tz: str) -> datetime:
    """The last moment of ``day`` in zone ``tz``, as UTC."""
    local = datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=ZoneInfo(tz))
    return local.astimezone(ZoneInfo("UTC")) - timedelta(seconds=1)


def create_round(organiser: User, details: RoundDetails, today: date) -> Round:
    """Open a sign-up round with a secret sign-up link."""
    if not organiser.has_role("organiser"):
        raise NotAllowed(_("Only organisers can open a sign-up round."))
    _check_details(details, today)
    monday = details.first_week - timedelta(days=details.first_week.weekday())
    round_ = Round(
        title=details.title.strip(),
        description=(details.description or "").strip() or None,
        organiser=organiser,
        languages=" ".join(dict.fromkeys(details.languages)),
        slots=" ".join(dict.fromkeys(details.slots)),
        timezone=details.timezone,
        first_week=monday,
        deadline_at=_end_of_day(details.deadline, details.timezone),
        kind=details.kind,
        place=(details.place or "").strip() or None,
        video_url=(details.video_url or "").strip() or None,
        signup_token=new_token(),
        state=OPEN,
        version=0,
    )
    db.session.add(round_)
    db.session.flush()
    return round_


def load_round(round_id: int) -> Round | None:
    """A round with its sign-ups loaded."""
    return db.session.scalar(
        select(Round).where(Round.id == round_id)
        .options(selectinload(Round.signups), selectinload(Round.organiser))
    )


def find_by_signup_token(token: str) -> Round | None:
    """The round whose current sign-up link holds ``token``."""
    return find_by_token(Round.signup_token, token)


def can_manage(round_: Round, user: User | None) -> bool:
    """The round's organiser and admins manage it."""
    if user is None or not user.is_authenticated:
        return False
    return round_.organiser_id == user.id or user.is_admin


def require_manage(round_: Round, user: User) -> None:
    """Raise NotAllowed unless ``user`` manages the round."""
    if not can_manage(round_, user):
        raise NotAllowed(_("Only the organiser of this round can see it."))


def rounds_of(user: User) -> list[Round]:
    """The rounds ``user`` organises, newest first."""
    query = select(Round).order_by(Round.created_at.desc(), Round.id.desc())
    if not user.is_admin:
        query = query.where(Round.organiser_id == user.id)
    return list(db.session.scalars(query.options(selectinload(Round.signups))))


def rotate_link(round_: Round, by: User) -> str:
    """Give the round a new sign-up link; the old one stops working."""
    require_manage(round_, by)
    round_.signup_token = new_token()
    db.session.flush()
    return round_.signup_token


def is_open(round_: Round, now: datetime) -> bool:
    """People can sign up, change or withdraw."""
    return round_.state == OPEN and now <= round_.deadline_at


# --- signing up ---------------------------------------------------------------------------


def signup_of(round_: Round, user: User | None) -> Signup | None:
    """The user's own sign-up for ``round_``."""
    if user is None or not user.is_authenticated:
        return None
    return db.session.scalar(
        select(Signup).where(Signup.round_id == round_.id,
                             (Signup.user_id == user.id) | (Signup.email_key == user.email_key))
    )


def normalise_address(value: str, field: str) -> str:
    """A checked, lower-cased address, or DomainError naming ``field``."""
    try:
        return validate_email(value.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise DomainError(_("This is not an email address: %(address)s", address=value[:80]),
                          field=field) from exc


def _check_choices(round_: Round, user_key: str, choices: Choices) -> Choices:
    """Checked, normalised choices, or DomainError for the first wrong value."""
    languages = [lang for lang in choices.languages if lang in round_.language_list]
    slots = [s for s in choices.slots if s in round_.slot_list]
    if not languages or len(languages) != len(set(choices.languages)):
        raise DomainError(_("Choose at least one of the languages of this round."),
                          field="languages")
    if not slots or len(slots) != len(set(choices.slots)):
        raise DomainError(_("Choose at least one of the times of this round."), field="slots")
    department = choices.department.strip()
    if not department or len(department) > 120:
        raise DomainError(_("Say which department you work in (at most 120 characters)."),
                          field="department")
    be_with = None
    if choices.be_with and choices.be_with.strip():
        be_with = normalise_address(choices.be_with, "be_with")
        if be_with == user_key:
            raise DomainError(_("That is your own address; name someone else."),
                              field="be_with")
    not_with = list(dict.fromkeys(normalise_address(a, "not_with")
                                  for a in choices.not_with if a.strip()))
    if user_key in not_with:
        raise DomainError(_("That is your own address; name someone else."), field="not_with")
    if len(not_with) > MAX_NOT_WITH:
        raise DomainError(_("Name at most %(count)d people.", count=MAX_NOT_WITH),
                          field="not_with")
    return Choices(choices.name.strip()[:80], department, languages, slots, be_with,
                   tuple(not_with))


def save_signup(round_: Round, user: User, choices: Choices,
                now: datetime | None = None) -> Signup:
    """Sign ``user`` up, or change their sign-up, until the deadline."""
    now = now or utcnow()
    if not is_open(round_, now):
        raise Conflict(_("Sign-up for this round has closed."))
    checked = _check_choices(round_, user.email_key, choices)
    signup = signup_of(round_, user)
    if signup is None:
        signup = Signup(round_id=round_.id, created_at=now)
        db.session.add(signup)
    signup.user_id = user.id
    signup.email = user.email
    signup.email_key = user.email_key
    signup.name = checked.name or user.display_name
    signup.department = checked.department
    signup.languages = " ".join(checked.languages)
    signup.slots = " ".join(checked.slots)
    signup.be_with = checked.be_with
    signup.not_with = "\n".join(checked.not_with) or None
    signup.updated_at = now
    _changed(round_)
    db.session.flush()
    return signup


def withdraw(round_: Round, user: User, now: datetime | None = None) -> None:
    """Take back one's sign-up, until the deadline."""
    now = now or utcnow()
    if not is_open(round_, now):
        raise Conflict(_("Sign-up for this round has closed."))
    signup = signup_of(round_, user)
    if signup is None:
        raise Conflict(_("You have not signed up for this round."))
    db.session.delete(signup)
    _changed(round_)
    db.session.flush()


def _changed(round_: Round) -> None:
    """Sign-ups changed: a proposal formed before is out of date. Conditional on the round
    still being open, so a sign-up racing the confirmation is refused, not lost."""
    result = db.session.execute(
        update(Round).where(Round.id == round_.id, Round.state == OPEN)
        .values(version=Round.version + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise Conflict(_("Sign-up for this round has closed."))
    db.session.refresh(round_, ["version"])


def import_rows(round_: Round, by: User, rows: list[Row]) -> tuple[int, list[str]]:
    """Add or replace sign-ups from spreadsheet rows; return (saved, problems in words)."""
    require_manage(round_, by)
    if round_.is_confirmed:
        raise Conflict(_("This round is confirmed; it takes no more sign-ups."))
    if len(rows) > MAX_IMPORT_ROWS:
        raise DomainError(_("Import at most %(count)d sign-ups at a time.",
                            count=MAX_IMPORT_ROWS), field="file")
    existing = {s.email_key: s for s in round_.signups}
    users = {u.email_key: u for u in db.session.scalars(
        select(User).where(User.email_key.in_([r.email.lower() for r in rows])))}
    problems, saved = [], 0
    now = utcnow()
    for row in rows:
        key = row.email.lower()
        languages = [_language_code(v) for v in row.languages]
        slots = [slot_code(v) for v in row.slots]
        if None in languages or not set(languages) <= set(round_.language_list):
            problems.append(_("line %(line)d: languages must be among %(languages)s",
                              line=row.line, languages=", ".join(round_.language_list)))
            continue
        if None in slots or not set(slots) <= set(round_.slot_list):
            problems.append(_("line %(line)d: times must be among %(slots)s", line=row.line,
                              slots=", ".join(slot_label(s, "en") for s in round_.slot_list)))
            continue
        signup = existing.get(key)
        if signup is None:
            signup = Signup(round_id=round_.id, created_at=now, email_key=key)
            db.session.add(signup)
            existing[key] = signup
        user = users.get(key)
        signup.user_id = user.id if user else None
        signup.email = row.email
        signup.name = row.name or (user.display_name if user else key.split("@")[0])
        signup.department = row.department or "?"
        signup.languages = " ".join(dict.fromkeys(languages))
        signup.slots = " ".join(dict.fromkeys(slots))
        signup.be_with = row.be_with
        signup.not_with = "\n".join(row.not_with) or None
        signup.updated_at = now
        saved += 1
    _changed(round_)
    db.session.flush()
    return saved, problems


def _language_code(value: str) -> str | None:
    """A language code from what a spreadsheet says ("nl", "Dutch", "Nederlands")."""
    names = {"nl": "nl", "dutch": "nl", "nederlands": "nl", "en": "en", "english": "en",
             "engels": "en"}
    return names.get(value.strip().lower())


# --- the round page -----------------------------------------------------------------------


@dataclass
class Overview:
    """Counts an organiser sees: per language and slot, and the requests."""

    total: int
    per_pair: dict[tuple[str, str], int]
    per_language: dict[str, int]
    per_slot: dict[str, int]
    be_with: int
    be_with_unknown: int


def overview(round_: Round) -> Overview:
    """Counts of the round's sign-ups per language, per slot and per pair of both."""
    signups = round_.signups
    keys = {s.email_key for s in signups}
    per_pair = {(lang, slot): 0 for lang in round_.language_list for slot in round_.slot_list}
    per_language = dict.fromkeys(round_.language_list, 0)
    per_slot = dict.fromkeys(round_.slot_list, 0)
    for s in signups:
        for lang in s.languages.split():
            per_language[lang] = per_language.get(lang, 0) + 1
            for slot in s.slots.split():
                per_pair[(lang, slot)] = per_pair.get((lang, slot), 0) + 1
        for slot in s.slots.split():
            per_slot[slot] = per_slot.get(slot, 0) + 1
    asked = [s.be_with for s in signups if s.be_with]
    return Overview(len(signups), per_pair, per_language, per_slot, len(asked),
                    sum(1 for a in asked if a not in keys))


# --- forming and adjusting ----------------------------------------------------------------


def people_of(round_: Round) -> list[forming.Person]:
    """The sign-ups as the forming algorithm sees them."""
    return [
        forming.Person(s.email_key, s.department, tuple(s.languages.split()),
                       tuple(s.slots.split()), s.be_with, frozenset(s.not_with_list))
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
        "circles": [{"language": c.language, "slot": c.slot, "members": c.members}
                    for c in proposal.circles],
        "left_out": [{"key": o.key, "code": o.reason.code,
                      "groups": [list(g) for g in o.reason.groups], "placed": o.reason.placed}
                     for o in proposal.left_out],
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
    return {"placed": t.placed, "departments": t.departments, "bound": t.bound,
            "requests": t.requests, "requests_honoured": t.requests_honoured,
            "requests_unknown": t.requests_unknown, "people": len(people)}


def proposal_circles(data: dict) -> list[forming.Circle]:
    """The proposal's circles for the forming module."""
    return [forming.Circle(c["language"], c["slot"], list(c["members"]))
            for c in data["circles"]]


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
        raise DomainError(_refusal_text(refusal, _name_of(round_, key), circles_now, target),
                          field="target")
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
        return _("%(name)s did not choose %(language)s.", name=name,
                 language=language_name(circle.language))
    if code == "slot":
        return _("%(name)s cannot come on %(slot)s.", name=name, slot=slot_label(circle.slot))
    if code == "full":
        return _("That circle has five members already.")
    if code == "too_small":
        return _("The circle of %(name)s would keep only three members; a circle needs at "
                 "least four.", name=name)
    if code == "not_with":
        return _("A \"not with\" request keeps %(name)s out of that circle.", name=name)
    return _("%(name)s is in that circle already.", name=name)


def language_name(code: str) -> str:
    """A language's name in the reader's language."""
    return {"nl": _("Dutch"), "en": _("English")}.get(code, code)


def reason_text(entry: dict) -> str:
    """Why someone was left out, in words, in the reader's language."""
    code, groups = entry["code"], entry.get("groups") or []
    if code == "too_few":
        return "; ".join(
            ngettext("only %(num)d person chose %(slot)s in %(language)s",
                     "only %(num)d people chose %(slot)s in %(language)s", n,
                     slot=slot_label(slot), language=language_name(lang))
            for lang, slot, n in groups)
    if code == "not_cuttable" and groups:
        lang, slot, n = groups[0]
        return _("%(num)d people chose %(slot)s in %(language)s; circles of 4 or 5 could "
                 "hold %(placed)d of them, and every other time they chose was full or too "
                 "small", num=n, slot=slot_label(slot), language=language_name(lang),
                 placed=entry.get("placed", 0))
    if code == "not_with":
        return _("every circle that fits their choices would break a \"not with\" request")
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
        .where(Round.id == round_.id, Round.state == OPEN,
               Round.version == round_.proposal_version)
        .values(state=CONFIRMED, confirmed_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        db.session.rollback()
        fresh = db.session.get(Round, round_.id)
        if fresh is not None and fresh.is_confirmed:
            raise Conflict(_("This round is already confirmed; its circles exist."))
        raise Conflict(_("Sign-ups changed since the circles were formed. Form them again."))
    db.session.refresh(round_)
    signups = {s.email_key: s for s in round_.signups}
    accounts = _accounts_for(round_, signups)
    created = []
    for number, raw in enumerate(data["circles"], 1):
        circle = _create_circle(round_, by, number, raw, today)
        members = [accounts[key] for key in raw["members"]]
        circle.memberships = [Membership(user=user, joined_at=now) for user in members]
        circle.seats_taken = len(members)
        db.session.add(RoundCircle(round_id=round_.id, circle=circle, slot=raw["slot"]))
        db.session.flush()
        calendar.send_invitation(circle, members, update=False)
        for user in members:
            notifications.placed(round_, circle, user, [m for m in members if m is not user],
                                 new_account=accounts.new[user.email_key])
        created.append((circle, raw))
    for entry in data["left_out"]:
        user = accounts[entry["key"]]
        waiting = _put_on_waiting_lists(user, signups[entry["key"]], created)
        notifications.left_out(round_, user, reason_text(entry), waiting,
                               new_account=accounts.new[user.email_key])
    db.session.flush()
    return [circle for circle, _raw in created]


class _Accounts(dict):
    """Users by address, with ``new``: whether wol made the account just now."""

    new: dict[str, bool]


def _accounts_for(round_: Round, signups: dict[str, Signup]) -> _Accounts:
    """The account of every sign-up; imported people without one get one (they choose a
    password through "forgot password")."""
    accounts = _Accounts()
    accounts.new = {}
    for key, signup in signups.items():
        user = signup.user or find_user_by_email(key)
        accounts.new[key] = user is None
        if user is None:
            language = next((lang for lang in signup.languages.split() if lang in LANGUAGES),
                            "nl")
            user = register_user(signup.email, signup.name, new_token(), language=language,
                                 timezone=round_.timezone)
        signup.user_id = user.id
        accounts[key] = user
    return accounts


def _create_circle(round_: Round, by: User, number: int, raw: dict, today: date) -> Circle:
    """One circle with its twelve meetings, through the circles service."""
    weekday, at = slot_parts(raw["slot"])
    name = f"{round_.title[:72]} {number}"
    details = circles.CircleDetails(
        name=name, language=raw["language"],
        first_day=round_.first_week + timedelta(days=weekday), local_time=at,
        timezone=round_.timezone, kind=round_.kind, place=round_.place,
        video_url=round_.video_url, description=round_.description,
    )
    return circles.create_circle(round_.organiser if round_.organiser else by, details,
                                 join=False, today=today)


def _put_on_waiting_lists(user: User, signup: Signup, created) -> int:
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
        others = {m.user.email_key: m for m in circle.memberships}
        if mine & set(others):
            continue
        their_lists = db.session.scalars(
            select(Signup.not_with).where(Signup.round_id == signup.round_id,
                                          Signup.email_key.in_(list(others)))
        )
        if any(signup.email_key in (text or "").split() for text in their_lists):
            continue
        circles.join_waitlist(circle, user)
        count += 1
    return count


@event.listens_for(Membership, "after_insert")
def _leave_sibling_waiting_lists(mapper, connection, membership) -> None:
    """Someone who gets a seat in a round's circle leaves the waiting lists of that round's
    other circles (a seat offer already held runs out as usual)."""
    same_round = select(RoundCircle.round_id).where(
        RoundCircle.circle_id == membership.circle_id).scalar_subquery()
    siblings = select(RoundCircle.circle_id).where(RoundCircle.round_id == same_round,
                                                   RoundCircle.circle_id != membership.circle_id)
    connection.execute(
        delete(WaitlistEntry).where(WaitlistEntry.user_id == membership.user_id,
                                    WaitlistEntry.circle_id.in_(siblings),
                                    WaitlistEntry.offered_at.is_(None))
    )


def round_circles(round_: Round) -> list[Circle]:
    """The circles a confirmed round created, with members and meetings."""
    ids = select(RoundCircle.circle_id).where(RoundCircle.round_id == round_.id)
    return list(db.session.scalars(
        select(Circle).where(Circle.id.in_(ids)).order_by(Circle.id)
        .options(selectinload(Circle.memberships).selectinload(Membership.user),
                 selectinload(Circle.meetings))
    ))


def waiting(round_: Round) -> list[tuple[User, int]]:
    """People of the round on a waiting list of its circles, with how many lists."""
    ids = select(RoundCircle.circle_id).where(RoundCircle.round_id == round_.id)
    rows = db.session.execute(
        select(User, db.func.count()).join(WaitlistEntry, WaitlistEntry.user_id == User.id)
        .where(WaitlistEntry.circle_id.in_(ids)).group_by(User.id).order_by(User.display_name)
    )
    return [(user, n) for user, n in rows]
