"""A demo sign-up round for the demo organiser: open, with thirty sign-ups and a proposal."""

import random
from datetime import date, timedelta

from wol.auth.models import User
from wol.extensions import db
from wol.rounds import proposals, service
from wol.rounds.models import Signup

FIRST = (
    "An",
    "Bart",
    "Chloë",
    "Dries",
    "Emma",
    "Filip",
    "Greet",
    "Hanne",
    "Ilse",
    "Jan",
    "Karim",
    "Lotte",
    "Mehdi",
    "Nina",
    "Olivier",
    "Pia",
    "Rik",
    "Sofie",
    "Tom",
    "Umut",
    "Vera",
    "Wout",
    "Yasmine",
    "Zoë",
    "Bas",
    "Ellen",
    "Ruben",
)
LAST = (
    "Peeters",
    "Janssens",
    "Maes",
    "Jacobs",
    "Willems",
    "Claes",
    "Goossens",
    "Wouters",
    "De Smet",
    "Dubois",
    "Bakker",
    "Visser",
    "Smit",
    "Mertens",
    "Hermans",
)
DEPARTMENTS = (
    "Financiën",
    "Financiën",
    "Financiën",
    "Personeel en Organisatie",
    "ICT",
    "ICT",
    "Juridische Dienst",
    "Communicatie",
    "Beleid",
    "Facilitair",
)
SLOTS = ("1@12:00", "3@08:30", "2@15:00")


def load_round_demo(organiser: User, people: list[User], today: date) -> None:
    """Open "Cirkels voorjaar" with sign-ups from demo people and imported colleagues, and
    form a proposal, so /rounds shows forming at work."""
    rng = random.Random(2026)  # noqa: S311 - demo data, the same every time
    round_ = service.create_round(
        organiser,
        service.RoundDetails(
            title="Cirkels voorjaar",
            languages=["nl", "en"],
            slots=list(SLOTS),
            timezone="Europe/Brussels",
            first_week=today + timedelta(weeks=4),
            deadline=today + timedelta(weeks=2),
            kind="hybrid",
            place="Kunstberg, Brussel",
            video_url="https://teams.example.org/l/meetup/cirkels-voorjaar",
            description="Twaalf weken lang, in cirkels van vier of vijf, over de afdelingen heen.",
        ),
        today,
    )
    for n, user in enumerate(people):
        db.session.add(
            Signup(
                round_id=round_.id,
                user_id=user.id,
                email=user.email,
                email_key=user.email_key,
                name=user.display_name,
                department=DEPARTMENTS[n % len(DEPARTMENTS)],
                languages=user.language,
                slots=" ".join(SLOTS[: 1 + n % 3]),
            )
        )
    emails: list[str] = []
    for n in range(30 - len(people)):
        name = f"{FIRST[n % len(FIRST)]} {LAST[(n * 7) % len(LAST)]}"
        email = f"{name.lower().replace(' ', '.').replace('ë', 'e')}@example.org"
        emails.append(email)
        english = rng.random() < 0.25
        db.session.add(
            Signup(
                round_id=round_.id,
                email=email,
                email_key=email,
                name=name,
                department=rng.choice(DEPARTMENTS),
                languages="en" if english else "nl",
                slots=" ".join(sorted(rng.sample(SLOTS, rng.randint(1, 3)))),
                # A few ask for a colleague who signed up before them, one for someone who did not.
                be_with=(
                    emails[n - 2] if n % 8 == 2 else "jef.wuyts@example.org" if n == 5 else None
                ),
            )
        )
    db.session.flush()
    db.session.refresh(round_)
    proposals.form(round_, organiser)
