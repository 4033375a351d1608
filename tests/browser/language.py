"""No English on a Dutch page: one check that every Dutch step of the browser tests calls.

It reads what a person sees or hears on the page as the browser has it now (so also text that
JavaScript wrote): the visible text, the hidden text that a screen reader or a later click
shows, and the accessible names (``aria-label``, ``title``, ``placeholder``, ``alt``, the values
of buttons, the texts and labels of ``<option>`` and ``<optgroup>``), each with the language the
page declares for it (the nearest ``lang`` attribute). Text in a block marked ``lang="en"`` on
purpose (a guide part that falls back to English, the English column of the translators' pages)
is left out, and so is user data the test names (people's names, circle names).

Two signs of English are failures, each named with the text it was found in:

- an English message of the catalog whose Dutch differs, found verbatim (a template string
  not wrapped in ``_()`` or missing its Dutch ends up exactly like that);
- a common English function word ("the", "your", "please", ...) as a whole word (text that
  never went through the catalog at all, such as a string hard-coded in JavaScript).
"""

import re
from functools import cache, lru_cache
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "wol" / "translations" / "nl" / "LC_MESSAGES" / "messages.po"

# Words of English that Dutch does not have (so not "is", "in", "we", "of", "was", "me").
FUNCTION_WORDS = frozenset(
    """
the your you yours and with this that these those please from for are were will would
should could have has been our their there here what when which who whose why how not
cannot can't don't isn't doesn't won't to into onto about after before than then
""".split()
)
# Names and words that are the same in every language (product and client names).
FIXED = ("Working Out Loud", "wol", "Outlook", "Google", "Apple", "Teams", "Zoom", "iCalendar")
# Catalog messages too short or too common to be a sign on their own.
MIN_MESSAGE_CHARS = 4

COLLECT = r"""
() => {
  const SPOKEN = ["aria-label", "title", "placeholder", "alt", "aria-description",
                  "aria-placeholder", "aria-roledescription", "aria-valuetext"];
  const SKIP = new Set(["SCRIPT", "STYLE", "TEXTAREA", "TEMPLATE", "CODE", "PRE"]);
  const langOf = (el) => {
    const holder = el.closest("[lang]");
    return holder ? holder.getAttribute("lang").toLowerCase() : "";
  };
  const out = [];
  const add = (el, kind, text) => {
    text = (text || "").replace(/\s+/g, " ").trim();
    if (text) out.push({lang: langOf(el), kind, text, tag: el.tagName.toLowerCase()});
  };
  for (const el of document.querySelectorAll("*")) {
    if (el.closest("script, style, template")) continue;
    for (const name of SPOKEN) if (el.hasAttribute(name)) add(el, name, el.getAttribute(name));
    if (["OPTGROUP", "OPTION"].includes(el.tagName) && el.hasAttribute("label")) {
      add(el, "label", el.getAttribute("label"));
    }
    if (el.tagName === "INPUT" && ["submit", "button", "reset"].includes(el.type)) {
      add(el, "value", el.value);
    }
  }
  add(document.documentElement, "title", document.title);
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest("script, style, template, textarea, code, pre")) continue;
    add(parent, parent.tagName === "OPTION" ? "option" : "text", node.textContent);
  }
  return {lang: document.documentElement.getAttribute("lang"), texts: out};
}
"""


WORD = re.compile(r"[^\W\d_]+")


@lru_cache(maxsize=1)
def _catalog() -> dict[str, list[str]]:
    """A pattern for every English message whose Dutch differs, indexed by its longest word
    (a text can only hold the message when it holds that word)."""
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle, locale="nl")
    dutch: set[str] = set()
    english: set[str] = set()
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple | list) else (message.id,)
        strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
        if message.fuzzy:
            strings = ()  # gettext leaves a fuzzy Dutch unused: the reader gets the English
        dutch.update(s for s in strings if s)
        for msgid in ids:
            if msgid not in strings:
                english.add(msgid)
    dutch_text = "\n".join(dutch)
    index: dict[str, list[str]] = {}
    for msgid in english:
        # A placeholder (%(name)s, %d) stands for anything; the words around it must match.
        parts = re.split(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[sdif%]", msgid)
        literal = "".join(parts)
        words = WORD.findall(literal)
        if len(literal.strip()) < MIN_MESSAGE_CHARS or not words:
            continue
        if len(words) == 1 and re.search(rf"(?<!\w){re.escape(words[0])}(?!\w)", dutch_text):
            continue  # a word Dutch uses too ("Status", "Team", "Feed")
        body = ".+?".join(re.escape(part.strip()) for part in parts if part.strip())
        index.setdefault(max(words, key=len), []).append(rf"(?<!\w){body}(?!\w)")
    return index


@cache
def _compiled(pattern: str) -> re.Pattern:
    return re.compile(pattern)


def _strip(text: str, user_data: tuple[str, ...]) -> str:
    for value in sorted((*user_data, *FIXED), key=len, reverse=True):
        if value:
            text = text.replace(value, " ¦ ")
    return text


def _catalog_english(text: str) -> str | None:
    """The first English catalog message found verbatim in ``text``."""
    index = _catalog()
    for word in set(WORD.findall(text)):
        for pattern in index.get(word, ()):
            match = _compiled(pattern).search(text)
            if match:
                return match.group(0)
    return None


def english_in(texts: list[dict], user_data=()) -> list[str]:
    """The texts (as COLLECT gives them) that read as English in the Dutch parts of a page."""
    found = []
    for item in texts:
        if not item["lang"].startswith("nl"):
            continue
        text = _strip(item["text"], tuple(user_data))
        message = _catalog_english(text)
        if message:
            found.append(
                f"{item['kind']} <{item['tag']}> {item['text']!r}: English message {message!r}"
            )
            continue
        words = [
            # A hyphenated name ("be-with", a CSV column) is one word, not a function word.
            w
            for w in re.findall(r"[^\W\d_]+(?:['-][^\W\d_]+)*", text)
            if w.lower() in FUNCTION_WORDS
        ]
        if words:
            found.append(
                f"{item['kind']} <{item['tag']}> {item['text']!r}: "
                f"English word(s) {', '.join(words)}"
            )
    return found


def assert_dutch(page, *, user_data=()) -> None:
    """Fail, naming the text, when the Dutch page ``page`` shows interface text in English.

    ``user_data`` are texts people typed that the test seeded (names, circle names, places):
    they may be in any language.
    """
    seen = page.evaluate(COLLECT)
    assert seen["lang"] == "nl", f"{page.url} is not a Dutch page (lang={seen['lang']!r})"
    problems = english_in(seen["texts"], user_data)
    assert not problems, f"English on the Dutch page {page.url}:\n" + "\n".join(problems)


def assert_dutch_text(text: str, *, what: str, user_data=()) -> None:
    """Fail, naming the line, when the Dutch ``text`` (a mail's subject or body) has English in
    it; links are set aside."""
    lines = [
        {"lang": "nl", "kind": what, "tag": "line", "text": re.sub(r"https?://\S+", " ", line)}
        for line in text.splitlines()
        if line.strip()
    ]
    problems = english_in(lines, user_data)
    assert not problems, f"English in {what}:\n" + "\n".join(problems)
