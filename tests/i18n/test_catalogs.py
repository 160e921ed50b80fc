"""The translations: every message translated (no empty or fuzzy msgstr), the compiled .mo
files (committed, as CI may have no gettext) up to date with the .po files, placeholders
kept, and, where gettext is installed, the .po files holding every string the code marks."""

from __future__ import annotations

import ast
import gettext
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "locale"
LANGUAGES = [code for code, _ in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
DOMAINS = ("django", "djangojs")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]")


@dataclass
class Entry:
    """One message of a .po file."""

    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: list[str] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False

    @property
    def key(self) -> str:
        """The key gettext's .mo catalog uses: context EOT msgid."""
        return f"{self.msgctxt}\x04{self.msgid}" if self.msgctxt is not None else self.msgid


def parse_po(path: Path) -> list[Entry]:
    """A small .po parser: msgctxt, msgid, msgid_plural, msgstr / msgstr[n], flags, and
    continued strings; obsolete (#~) entries are kept but marked."""
    entries: list[Entry] = []
    current = Entry()
    target: tuple[str, int | None] | None = None

    def finish() -> None:
        nonlocal current
        if current.msgstr or current.msgid:
            entries.append(current)
        current = Entry()

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line.startswith("#~"):
            current.obsolete = True
            line = line[2:].strip()
            if not line:
                continue
        elif line.startswith("#,"):
            if current.msgstr:
                finish()
            current.flags |= {flag.strip() for flag in line[2:].split(",")}
            continue
        elif not line or line.startswith("#"):
            if not line and current.msgstr:
                finish()
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            value = ast.literal_eval(line)
            assert target is not None, f"{path}: string outside an entry: {raw}"
            name, index = target
        else:
            value = ast.literal_eval(rest)
            match = re.fullmatch(r"(msgctxt|msgid|msgid_plural|msgstr)(?:\[(\d+)\])?", keyword)
            assert match, f"{path}: unknown line {raw}"
            name, index = match[1], int(match[2]) if match[2] else None
            if name in ("msgctxt", "msgid") and current.msgstr:
                finish()
            target = (name, index)
            if name == "msgstr":
                current.msgstr.append("")
                continue_index = len(current.msgstr) - 1
                target = (name, continue_index)
                current.msgstr[continue_index] = value
                continue
            setattr(current, name, value)
            continue
        if name == "msgstr":
            current.msgstr[index] += value
        else:
            setattr(current, name, (getattr(current, name) or "") + value)
    finish()
    return entries


def catalogs() -> list[tuple[str, str, Path]]:
    return [
        (language, domain, LOCALE / _locale(language) / "LC_MESSAGES" / f"{domain}.po")
        for language in LANGUAGES
        for domain in DOMAINS
    ]


def _locale(language: str) -> str:
    from django.utils.translation import to_locale

    return to_locale(language)


IDS = [f"{language}-{domain}" for language, domain, _ in catalogs()]


def test_the_parser_reads_plurals_contexts_flags_and_continued_strings(tmp_path):
    po = tmp_path / "x.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Plural-Forms: nplurals=1; plural=0;\\n"\n\n'
        '#, python-format\nmsgid "%(n)s paper"\nmsgid_plural "%(n)s papers"\n'
        'msgstr[0] "%(n)s 篇论文"\n\n'
        'msgctxt "kind"\nmsgid "new"\nmsgstr "新"\n\n'
        '#, fuzzy\nmsgid ""\n"a long "\n"one"\nmsgstr ""\n"很长"\n',
        encoding="utf-8",
    )
    header, plural, context, fuzzy = parse_po(po)
    assert header.msgid == "" and "nplurals=1" in header.msgstr[0]
    assert plural.msgid_plural == "%(n)s papers" and plural.msgstr == ["%(n)s 篇论文"]
    assert "python-format" in plural.flags
    assert context.key == "kind\x04new" and context.msgstr == ["新"]
    assert fuzzy.msgid == "a long one" and fuzzy.msgstr == ["很长"] and "fuzzy" in fuzzy.flags


@pytest.mark.parametrize(("language", "domain", "po"), catalogs(), ids=IDS)
def test_every_message_is_translated(language, domain, po):
    entries = parse_po(po)
    header = entries[0]
    assert header.msgid == "" and "fuzzy" not in header.flags  # msgfmt would skip it
    assert "Plural-Forms: nplurals=1; plural=0;" in header.msgstr[0]
    messages = [entry for entry in entries[1:] if not entry.obsolete]
    assert messages
    problems = [
        entry.msgid
        for entry in messages
        if "fuzzy" in entry.flags or not entry.msgstr or any(not s.strip() for s in entry.msgstr)
    ]
    assert problems == [], "untranslated or fuzzy"


@pytest.mark.parametrize(("language", "domain", "po"), catalogs(), ids=IDS)
def test_translations_keep_every_placeholder_and_tag(language, domain, po):
    for entry in parse_po(po)[1:]:
        source = sorted(PLACEHOLDER.findall(entry.msgid_plural or entry.msgid))
        tags = sorted(re.findall(r"</?\w+", entry.msgid))
        for translated in entry.msgstr:
            assert sorted(PLACEHOLDER.findall(translated)) == source, entry.msgid
            assert sorted(re.findall(r"</?\w+", translated)) == tags, entry.msgid


@pytest.mark.parametrize(("language", "domain", "po"), catalogs(), ids=IDS)
def test_the_compiled_catalogs_match_the_po_files(language, domain, po):
    """The committed .mo holds exactly the .po's messages: run compilemessages after any
    change to a .po file."""
    mo = po.with_suffix(".mo")
    assert mo.exists(), f"{mo} is missing: manage.py compilemessages"
    with mo.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    catalog = compiled._catalog  # {msgid: str} or {(msgid, n): str} for plurals
    expected: dict[object, str] = {}
    for entry in parse_po(po):
        if entry.obsolete or "fuzzy" in entry.flags:
            continue
        if entry.msgid_plural is None:
            expected[entry.key] = entry.msgstr[0]
        else:
            for n, translated in enumerate(entry.msgstr):
                expected[(entry.key, n)] = translated
    # msgfmt leaves POT-Creation-Date out of the compiled header: compare the plural rule.
    assert compiled.plural(5) == 0 and "Plural-Forms: nplurals=1" in catalog.pop("")
    expected.pop("")
    assert catalog == expected


def test_the_interface_language_is_english_by_default_and_chinese_is_offered():
    assert settings.LANGUAGE_CODE == "en"
    assert [code for code, _ in settings.LANGUAGES] == ["en", "zh-hans"]
    assert [Path(path) for path in settings.LOCALE_PATHS] == [LOCALE]


MAKEMESSAGES_IGNORE = [
    "node_modules",
    ".venv",
    "static/vendor",
    "var",
    "bench",
    "coolpapers.egg-info",
    "tests",
    "locale",
    # The admin is for staff: Django's own strings there come with Django's translations.
    "*/templates/admin",
]


@pytest.mark.skipif(not shutil.which("xgettext"), reason="needs GNU gettext (xgettext)")
def test_the_po_files_hold_every_marked_string(tmp_path):
    """makemessages over a copy of the code finds no message the .po files lack (nor one
    they hold that the code no longer marks): after adding {% translate %} or gettext(),
    run makemessages with these options (MAKEMESSAGES_IGNORE as -i), translate every new
    message and run compilemessages."""
    copy = tmp_path / "site"
    for name in ("manage.py", "coolpapers", "search", "templates", "static/coolpapers/js"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(
                source, copy / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
            )
        else:
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, copy / name)
    shutil.copytree(LOCALE, copy / "locale")
    env = {**os.environ, "COOLPAPERS_DATA_DIR": str(tmp_path / "data")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    ignore = [arg for name in MAKEMESSAGES_IGNORE for arg in ("-i", name)]
    for domain in DOMAINS:
        subprocess.run(
            [
                *(sys.executable, "manage.py", "makemessages", "-d", domain, "-l", "zh_Hans"),
                *("--no-obsolete", "--add-location", "file", *ignore),
            ],
            cwd=copy,
            env=env,
            check=True,
            capture_output=True,
        )
        fresh = copy / "locale" / "zh_Hans" / "LC_MESSAGES" / f"{domain}.po"
        ours = LOCALE / "zh_Hans" / "LC_MESSAGES" / f"{domain}.po"
        marked = {entry.key for entry in parse_po(fresh)[1:]}
        held = {entry.key for entry in parse_po(ours)[1:] if not entry.obsolete}
        assert sorted(marked - held) == [], f"{domain}: marked in the code, not in the .po"
        assert sorted(held - marked) == [], f"{domain}: in the .po, no longer in the code"
