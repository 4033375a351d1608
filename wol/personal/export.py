"""Download my data: one JSON document with everything wol holds about a person."""

import json
from datetime import datetime

from wol.auth.models import User
from wol.personal.registry import exporters

FORMAT = "wol-export/1"


def export_data(user: User, now: datetime) -> dict:
    """Every registered section about ``user``, by name, after a short header."""
    data: dict = {"format": FORMAT, "exported_at": now.isoformat()}
    for section, exporter in sorted(exporters().items()):
        data[section] = exporter(user)
    return data


def export_json(user: User, now: datetime) -> str:
    """The export as indented UTF-8 JSON text, readable in any editor."""
    return json.dumps(export_data(user, now), ensure_ascii=False, indent=2, sort_keys=False)


def file_name(now: datetime) -> str:
    """The download's file name, e.g. wol-my-data-2026-11-30.json."""
    return f"wol-my-data-{now:%Y-%m-%d}.json"
