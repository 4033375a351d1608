"""Every `flask ...` command that README and the pages print runs as printed from the project
folder, with nothing but the virtual environment on PATH (no FLASK_APP in the environment)."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FLASK = str(Path(sys.executable).with_name("flask"))
# Placeholders in printed commands, and the values a person would type for them.
PLACEHOLDERS = {"CIRCLE_ID": "1", "LANG": "nl", "WEEK": "4", "you@example.org": "root@example.org"}


def _printed_commands() -> set[str]:
    """The `flask ...` commands quoted in README and in templates, without `--app wol`."""
    texts = [(ROOT / "README.md").read_text(encoding="utf-8")]
    texts += [p.read_text(encoding="utf-8") for p in (ROOT / "templates").rglob("*.html")]
    found = set()
    for text in texts:
        for match in re.finditer(
            r"(?:`|<code>|^\s+)(flask (?:--app wol )?[a-z][^`<\n#]*)", text, re.MULTILINE
        ):
            command = match.group(1).replace("--app wol ", "").strip()
            # A template fills in values: `{{ lang }}` stands for what the page shows there.
            command = re.sub(
                r"\{\{\s*(\w+)\s*\}\}",
                lambda m: PLACEHOLDERS.get(m.group(1).upper(), m.group(1)),
                command,
            )
            found.add(command)
    return found


def _environment(tmp_path) -> dict[str, str]:
    """The shell of a person in the project folder: a fresh database, no FLASK_APP."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("FLASK_", "WOL_", "DATABASE_URL"))
    }
    env["PATH"] = f"{Path(sys.executable).parent}:{env.get('PATH', '/usr/bin:/bin')}"
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'commands.sqlite'}"
    env["MAIL_FILE_DIR"] = str(tmp_path / "mail")
    # Commands that write guide files (stamp, new) write into a copy, not into the checkout.
    shutil.copytree(ROOT / "guides", tmp_path / "guides")
    env["WOL_GUIDES_DIR"] = str(tmp_path / "guides")
    return env


def _run(command: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """Run ``command`` from the project folder as a person would type it."""
    args = command.split()
    return subprocess.run(
        [FLASK, *args[1:]],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_readme_and_pages_print_flask_commands():
    """The extraction below finds what it should: otherwise the next test proves nothing."""
    commands = _printed_commands()
    assert "flask wol demo" in commands
    assert any(c.startswith("flask wol guides") for c in commands)


@pytest.mark.slow
def test_printed_commands_run_from_the_project_folder(tmp_path):
    env = _environment(tmp_path)
    # What a newcomer runs first: the schema, the demo data, then the commands they read about.
    for command in ("flask db upgrade", "flask wol demo"):
        result = _run(command, env)
        assert result.returncode == 0, (command, result.stderr)
    for command in sorted(_printed_commands()):
        words = command.split()
        if len(words) < 2 or words[1] in {"run", "db"} and words[2:3] != ["upgrade"]:
            continue  # the dev server, and schema authoring, are not one-shot commands
        # `a|b|c` lists alternatives; each must exist.
        for variant in _expand_alternatives(words):
            variant = [PLACEHOLDERS.get(w, w) for w in variant]
            if "|" in command or any(w.isupper() or w in {"...", "…"} for w in variant):
                # A list of commands, or an argument the reader fills in that we cannot guess:
                # the command must exist.
                variant = [w for w in variant if not (w.isupper() or w.startswith(("-", "…")))]
                variant = variant[: _command_depth(variant)] + ["--help"]
            result = _run(" ".join(variant), env)
            assert "No such command" not in result.stderr, (command, result.stderr)
            assert "Could not locate a Flask application" not in result.stderr, command
            assert "Traceback" not in result.stderr, (command, result.stderr)
            assert result.returncode in (0, 1), (command, result.returncode, result.stderr)


def _expand_alternatives(words: list[str]) -> list[list[str]]:
    """`flask wol guides status|diff` → one command per alternative."""
    for i, word in enumerate(words):
        if "|" in word:
            return [
                v
                for alt in word.split("|")
                for v in _expand_alternatives([*words[:i], alt, *words[i + 1 :]])
            ]
    return [words]


def _command_depth(words: list[str]) -> int:
    """How many leading words name the command (``flask wol guides stamp`` → 4)."""
    depth = 1
    while depth < len(words) and re.fullmatch(r"[a-z][a-z-]*", words[depth]):
        depth += 1
    return depth
