"""Run ../shared/tools/icalcheck (four independent iCalendar parsers) from the tests."""

import os
import subprocess
from pathlib import Path

import pytest

CHECK = Path(
    os.environ.get(
        "WOL_ICALCHECK", Path(__file__).resolve().parents[2] / "shared/tools/icalcheck/check"
    )
)


def run_checker(
    tmp_path: Path, name: str, data: bytes, expected: list[str] | None = None
) -> subprocess.CompletedProcess:
    """Write `data` (and the expected starts) to tmp_path and run the icalcheck tool."""
    if not CHECK.exists():
        pytest.fail(f"icalcheck not found at {CHECK} (set WOL_ICALCHECK)")
    ics = tmp_path / f"{name}.ics"
    ics.write_bytes(data)
    args = [str(CHECK), str(ics)]
    if expected is not None:
        want = tmp_path / f"{name}.expected.txt"
        want.write_text("\n".join(expected) + "\n")
        args += ["--expect", str(want)]
    # The first run installs the parsers (pip + npm): allow it minutes, not seconds.
    result = subprocess.run(args, capture_output=True, text=True, timeout=900, check=False)
    output = result.stdout + result.stderr
    print(output)
    if "install failed" in output or "skip  " in output:
        # A parser that is not there is a failure, not a skip (make test installs them all).
        pytest.fail(f"icalcheck could not run all four parsers:\n{output}")
    result.stdout = output
    return result
