"""A calendar client's store, as it applies iTIP messages (RFC 5546) one after the other.

Written from the RFC, not from wol's code, so tests can replay the invitations a person
received and compare what their calendar ends up with to what wol shows:
- a message whose SEQUENCE is not higher than the last one applied for its UID is ignored, as
  strict clients do (RFC 5546 2.1.5 lets them: it is not newer);
- a REQUEST with the series' master replaces the whole series;
- a CANCEL with a RECURRENCE-ID drops that occurrence (its override goes, the master gets an
  EXDATE); a CANCEL without one removes the series (its SEQUENCE is remembered).
"""

from dataclasses import dataclass, field

import icalendar


@dataclass
class ClientStore:
    """Events by UID, the last SEQUENCE applied per UID, and the time zones received."""

    events: dict[str, list[icalendar.Event]] = field(default_factory=dict)
    sequences: dict[str, int] = field(default_factory=dict)
    timezones: dict[str, icalendar.Timezone] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)

    def apply(self, message: bytes | str) -> None:
        """Apply one iTIP message (METHOD REQUEST or CANCEL)."""
        data = message.encode() if isinstance(message, str) else message
        calendar = icalendar.Calendar.from_ical(data)
        method = str(calendar["METHOD"])
        for timezone in calendar.walk("VTIMEZONE"):
            self.timezones[str(timezone["TZID"])] = timezone
        events = calendar.walk("VEVENT")
        uids = {str(event["UID"]) for event in events}
        assert len(uids) == 1, f"an iTIP message carries one UID, not {sorted(uids)}"
        uid = uids.pop()
        sequence = max(int(event.get("SEQUENCE", 0)) for event in events)
        if uid in self.sequences and sequence <= self.sequences[uid]:
            self.ignored.append(f"{method} {uid} SEQUENCE {sequence}")
            return
        self.sequences[uid] = sequence
        if method == "REQUEST":
            assert any("RECURRENCE-ID" not in event for event in events), "REQUEST without master"
            self.events[uid] = list(events)
        elif method == "CANCEL":
            self._cancel(uid, events)
        else:
            raise AssertionError(f"unexpected METHOD {method}")

    def _cancel(self, uid: str, events: list[icalendar.Event]) -> None:
        """Drop the cancelled occurrences, or the whole series."""
        if any("RECURRENCE-ID" not in event for event in events):
            self.events.pop(uid, None)
            return
        stored = self.events.get(uid, [])
        for cancelled in events:
            rid = cancelled["RECURRENCE-ID"].dt
            stored = [e for e in stored if "RECURRENCE-ID" not in e or e["RECURRENCE-ID"].dt != rid]
            for master in (e for e in stored if "RECURRENCE-ID" not in e):
                master.add("exdate", rid)
        self.events[uid] = stored

    def calendar(self) -> bytes:
        """What the client holds, as a stored calendar (no METHOD: it is no message)."""
        calendar = icalendar.Calendar()
        calendar.add("version", "2.0")
        calendar.add("prodid", "-//tests//replayed iTIP client//EN")
        for timezone in self.timezones.values():
            calendar.add_component(timezone)
        for events in self.events.values():
            for event in events:
                calendar.add_component(event)
        return calendar.to_ical()
