"""What makes a password too easy to guess: pure checks, no Flask and no database."""

import re
from functools import lru_cache
from pathlib import Path

COMMON_PASSWORDS = Path(__file__).with_name("common-passwords.txt")
# After taking out the person's own name and address, this much must remain.
MIN_OWN_CHARACTERS = 6


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, lower case."""
    lines = COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def _personal_words(email: str, name: str) -> list[str]:
    """Parts of a person's address and name that guessers try first, longest first."""
    email = email.strip().lower()
    local, _, domain = email.partition("@")
    words = {email, local, domain.split(".")[0], name.strip().lower().replace(" ", "")}
    words |= set(re.split(r"[\W_]+", local)) | set(re.split(r"[\W_]+", name.lower()))
    return sorted((w for w in words if len(w) >= 3), key=len, reverse=True)


def password_problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """Why ``password`` is too easy to guess ("common", "personal", "repetitive"), or None."""
    lowered = password.lower()
    if lowered in common_passwords() or lowered.replace(" ", "") in common_passwords():
        return "common"
    if len(set(lowered)) <= 2:
        return "repetitive"
    rest = lowered
    for word in _personal_words(email, name):
        rest = rest.replace(word, "")
    if len(re.sub(r"[\W_\d]", "", rest)) + len(re.sub(r"\D", "", rest)) // 2 < MIN_OWN_CHARACTERS:
        return "personal" if rest != lowered else None
    return None
