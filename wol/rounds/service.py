"""Sign-up round rules: open a round, its link and page, sign up, change, withdraw, import.

Services flush but never commit; the route commits once. Forming, moving and confirming are in
wol/rounds/proposals.py.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select, update
from sqlalchemy.orm import defer, selectinload

from wol.auth.models import User
from wol.circles import service as circles
from wol.circles.models import KINDS, LANGUAGES
from wol.errors import Conflict, DomainError, NotAllowed
from wol.extensions import db
from wol.i18n import gettext as _
from wol.i18n import is_timezone
from wol.rounds.models import OPEN, Round, Signup
from wol.rounds.slots import slot_code, slot_label
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
        raise DomainError(
            _("Offer at most %(count)d weekly times.", count=MAX_SLOTS), field="slots"
        )
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
        raise DomainError(
            _("The first week must come after the sign-up deadline."), field="first_week"
        )
    if details.first_week > today + timedelta(days=circles.MAX_FUTURE_DAYS - 7):
        raise DomainError(_("The first week must be within a year from now."), field="first_week")


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
        select(Round)
        .where(Round.id == round_id)
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


def rounds_of(user: User) -> list[tuple[Round, int]]:
    """The rounds ``user`` organises (every round for an admin), newest first, each with its
    number of sign-ups (counted by the database: the sign-ups themselves are not loaded)."""
    signups = select(func.count(Signup.id)).where(Signup.round_id == Round.id).scalar_subquery()
    query = (
        select(Round, signups)
        .options(defer(Round.proposal))
        .order_by(Round.created_at.desc(), Round.id.desc())
    )
    if not user.is_admin:
        query = query.where(Round.organiser_id == user.id)
    return [(round_, count) for round_, count in db.session.execute(query)]


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
        select(Signup).where(
            Signup.round_id == round_.id,
            (Signup.user_id == user.id) | (Signup.email_key == user.email_key),
        )
    )


def normalise_address(value: str, field: str) -> str:
    """A checked, lower-cased address, or DomainError naming ``field``."""
    try:
        return validate_email(value.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise DomainError(
            _("This is not an email address: %(address)s", address=value[:80]), field=field
        ) from exc


def _check_choices(round_: Round, user_key: str, choices: Choices) -> Choices:
    """Checked, normalised choices, or DomainError for the first wrong value."""
    languages = [lang for lang in choices.languages if lang in round_.language_list]
    slots = [s for s in choices.slots if s in round_.slot_list]
    if not languages or len(languages) != len(set(choices.languages)):
        raise DomainError(
            _("Choose at least one of the languages of this round."), field="languages"
        )
    if not slots or len(slots) != len(set(choices.slots)):
        raise DomainError(_("Choose at least one of the times of this round."), field="slots")
    department = choices.department.strip()
    if not department or len(department) > 120:
        raise DomainError(
            _("Say which department you work in (at most 120 characters)."), field="department"
        )
    be_with = None
    if choices.be_with and choices.be_with.strip():
        be_with = normalise_address(choices.be_with, "be_with")
        if be_with == user_key:
            raise DomainError(_("That is your own address; name someone else."), field="be_with")
    not_with = list(
        dict.fromkeys(normalise_address(a, "not_with") for a in choices.not_with if a.strip())
    )
    if user_key in not_with:
        raise DomainError(_("That is your own address; name someone else."), field="not_with")
    if len(not_with) > MAX_NOT_WITH:
        raise DomainError(_("Name at most %(count)d people.", count=MAX_NOT_WITH), field="not_with")
    return Choices(
        choices.name.strip()[:80], department, languages, slots, be_with, tuple(not_with)
    )


def save_signup(round_: Round, user: User, choices: Choices, now: datetime | None = None) -> Signup:
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
        update(Round)
        .where(Round.id == round_.id, Round.state == OPEN)
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
        raise DomainError(
            _("Import at most %(count)d sign-ups at a time.", count=MAX_IMPORT_ROWS), field="file"
        )
    existing = {s.email_key: s for s in round_.signups}
    users = {
        u.email_key: u
        for u in db.session.scalars(
            select(User).where(User.email_key.in_([r.email.lower() for r in rows]))
        )
    }
    problems, saved = [], 0
    now = utcnow()
    for row in rows:
        key = row.email.lower()
        languages = [_language_code(v) for v in row.languages]
        slots = [slot_code(v) for v in row.slots]
        if None in languages or not set(languages) <= set(round_.language_list):
            problems.append(
                _(
                    "line %(line)d: languages must be among %(languages)s",
                    line=row.line,
                    languages=", ".join(round_.language_list),
                )
            )
            continue
        if None in slots or not set(slots) <= set(round_.slot_list):
            problems.append(
                _(
                    "line %(line)d: times must be among %(slots)s",
                    line=row.line,
                    slots=", ".join(slot_label(s, "en") for s in round_.slot_list),
                )
            )
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
    names = {
        "nl": "nl",
        "dutch": "nl",
        "nederlands": "nl",
        "en": "en",
        "english": "en",
        "engels": "en",
    }
    return names.get(value.strip().lower())


# --- the round page (its counts and sign-ups: wol/rounds/views.py) --------------------------


def language_name(code: str) -> str:
    """A language's name in the reader's language."""
    return {"nl": _("Dutch"), "en": _("English")}.get(code, code)
