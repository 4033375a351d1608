"""What wol holds about one person, gathered from every feature.

Each feature that stores something about a person registers two functions here, next to its
own models: one that exports its part (JSON-ready data) and one that erases it when the person
deletes their account. The export and erase services in this package call them all, so a
feature added later cannot be forgotten by either.

    from wol.personal.registry import erases, exports

    @exports("harvests")
    def _export_harvests(user): ...

    @erases
    def _erase_harvests(user): ...
"""

from collections.abc import Callable
from typing import Any

Exporter = Callable[[Any], Any]
Eraser = Callable[[Any], None]

_exporters: dict[str, Exporter] = {}
_erasers: list[Eraser] = []


def exports(section: str) -> Callable[[Exporter], Exporter]:
    """Register ``fn(user)`` as the exporter of one top-level section of the export file."""

    def register(fn: Exporter) -> Exporter:
        if section in _exporters and _exporters[section] is not fn:
            raise ValueError(f"two exporters for the section {section!r}")
        _exporters[section] = fn
        return fn

    return register


def erases(fn: Eraser) -> Eraser:
    """Register ``fn(user)``: deletes or anonymises this feature's rows about the person.

    Called inside the erase transaction, before the account row itself is anonymised; it
    flushes, never commits.
    """
    if fn not in _erasers:
        _erasers.append(fn)
    return fn


def exporters() -> dict[str, Exporter]:
    """Every registered exporter, by section name."""
    return dict(_exporters)


def erasers() -> list[Eraser]:
    """Every registered eraser, in registration order."""
    return list(_erasers)
