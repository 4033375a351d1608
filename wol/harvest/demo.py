"""Demo harvests: a finished circle's members wrote theirs, two shared them as stories."""

from wol.auth.models import User
from wol.circles.models import Circle
from wol.harvest.service import HarvestText, save_harvest
from wol.timestamps import utcnow


def load_harvest_demo(circle: Circle, ann: User, bram: User, noor: User) -> None:
    """Three harvests of the finished demo circle: on the stories page by name and
    anonymously, and one kept in the circle."""
    now = utcnow()
    save_harvest(
        circle,
        ann,
        HarvestText(
            aim="Een netwerk rond klantgericht werken over de grenzen van mijn afdeling heen.",
            happened="Ik sprak twaalf collega's die elk een stukje van de klantreis kennen. Drie "
            "van hen komen nu elke maand samen.",
            learned="Een kleine vraag opent meer deuren dan een grote presentatie.",
            audience="stories",
        ),
        now,
    )
    save_harvest(
        circle,
        noor,
        HarvestText(
            happened="Mijn eerste blogbericht op intranet kreeg veertig reacties.",
            learned="Delen wat nog niet af is, voelt eng en werkt beter dan ik dacht.",
            audience="stories",
            anonymous=True,
        ),
        now,
    )
    save_harvest(
        circle,
        bram,
        HarvestText(
            aim="Beter worden in het geven van feedback.",
            learned="Luisteren is ook een bijdrage.",
            audience="circle",
        ),
        now,
    )
