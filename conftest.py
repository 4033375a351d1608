"""Repository-wide pytest hooks: after the run, list guide translations that need work.

Outdated, draft or missing translated weeks do not fail the build (tests/test_guide_content.py
fails it for structure errors); they are listed so nobody has to remember to look.
"""

import os
from pathlib import Path

GUIDES = Path(__file__).resolve().parent / "guides"


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Print one line on the state of the guide translations."""
    from wol.guides.cli import translation_report
    from wol.guides.library import GuideLibrary

    root = Path(os.environ.get("WOL_GUIDES_DIR") or GUIDES)
    notes = translation_report(GuideLibrary.load(root))
    terminalreporter.write_sep("-", "guide translations")
    if notes:
        terminalreporter.write_line("Guide translations: " + "; ".join(notes))
        terminalreporter.write_line("(details: flask wol guides status)")
    else:
        terminalreporter.write_line("Guide translations: all up to date")
