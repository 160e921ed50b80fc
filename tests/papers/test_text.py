"""Whitespace squashing, TeX accents in author names, and accent folding for search."""

from __future__ import annotations

import pytest

from coolpapers.papers.text import clean_text, fold, squash, tex_accents_to_unicode


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  Attention Is\n  All You Need  ", "Attention Is All You Need"),
        ("a\tb\r\nc", "a b c"),
        ("one\u00a0two", "one two"),  # arXiv listings contain non-breaking spaces
        ("", ""),
        (None, ""),
        ("   ", ""),
    ],
)
def test_squash(text: str | None, expected: str) -> None:
    assert squash(text) == expected


@pytest.mark.parametrize(
    ("tex", "expected"),
    [
        # Accents: bare, braced around the letter, braced around the whole command.
        (r"Schr\"odinger", "Schrödinger"),
        (r"Schr{\"o}dinger", "Schrödinger"),
        (r"Schr\"{o}dinger", "Schrödinger"),
        (r"{\"O}zt\"urk", "Öztürk"),
        (r"Andr\'{e}", "André"),
        (r"Andr\'e", "André"),
        (r"Fran\c{c}ois", "François"),
        (r"Fran\c cois", "François"),
        (r"Erd\H{o}s", "Erdős"),
        (r"Dvo\v{r}\'ak", "Dvořák"),
        (r"\v{S}koda", "Škoda"),
        (r"Pe\~{n}a", "Peña"),
        (r"Ni\~no", "Niño"),
        (r"Gr\`ege", "Grège"),
        (r"G\^ote", "Gôte"),
        (r"Wa\l{}\k{e}sa", "Wałęsa"),
        (r"\.Zak", "Żak"),
        (r"\r{A}berg", "Åberg"),
        (r"\u{a}", "ă"),
        (r"\=a", "ā"),
        # Accented dotless i is how TeX writes ï and í.
        (r"Ra\"{\i}s", "Raïs"),
        (r"Mar\'{\i}a", "María"),
        # Special letters; a control word swallows the space or {} that ends it.
        (r"Stra\ss e", "Straße"),
        (r"Gro\ss{}e", "Große"),
        (r"{\ss}", "ß"),
        (r"J{\o}rgensen", "Jørgensen"),
        (r"Bj\o rn", "Bjørn"),
        (r"Bj\o{}rn", "Bjørn"),
        (r"\O{}stergaard", "Østergaard"),
        (r"{\AA}ngstr\"om", "Ångström"),
        (r"\aa{}", "å"),
        (r"C\ae sar", "Cæsar"),
        (r"\L ukasz", "Łukasz"),
        (r"{\l}ukasz", "łukasz"),
        # A space after a braced group is a real space.
        (r"{\o} Hansen", "ø Hansen"),
        # Not accents: left alone.
        ("Schrödinger", "Schrödinger"),
        ("plain text", "plain text"),
        (r"\ssx and \os", r"\ssx and \os"),
        (r"$\alpha$-decay", r"$\alpha$-decay"),
    ],
)
def test_tex_accents_to_unicode(tex: str, expected: str) -> None:
    assert tex_accents_to_unicode(tex) == expected


@pytest.mark.parametrize(
    "name",
    [
        "Schrödinger",
        r"Schr\"odinger",
        r"Schr{\"o}dinger",
        r"Schr\"{o}dinger",
        "Schrodinger",
        "SCHRÖDINGER",
        "Schro\u0308dinger",  # decomposed ö
        "  Schrödinger\n",
    ],
)
def test_fold_schrodinger(name: str) -> None:
    assert fold(name) == "schrodinger"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Łukasz Øster", "lukasz oster"),
        (r"Stra\ss e", "strasse"),
        ("Æsir", "aesir"),
        (r"J{\o}rgensen", "jorgensen"),
        ("Dvořák,  Antonín", "dvorak, antonin"),
        ("\uff26\uff55\uff4c\uff4c", "full"),  # full-width letters (NFKD)
        ("", ""),
    ],
)
def test_fold(text: str, expected: str) -> None:
    assert fold(text) == expected


def test_fold_tex_and_unicode_agree() -> None:
    assert fold(r"Erd\H{o}s, P\'al") == fold("Erdős, Pál") == fold("Erdos, Pal")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Nul\x00Author", "NulAuthor"),
        ("bell\x07 esc\x1b[31m del\x7f", "bell esc[31m del"),
        ("C1\x80\x9f gone", "C1 gone"),  # C1 controls: valid in XML 1.0 text, meaningless here
        ("form\x0cfeed vertical\x0btab next\x85line", "form feed vertical tab next line"),
        ("tab\tand\nnewline", "tab\tand\nnewline"),
        ("windows\r\nline\rends", "windows\nline\nends"),
        ("lone \ud800 surrogate \udcff", "lone \ufffd surrogate \ufffd"),
        ("non\ufffe\uffffcharacters", "noncharacters"),
        ("Schro\u0308dinger", "Schr\u00f6dinger"),  # NFC: one code point, as typed
        ("Zero\u200dwidth joiner and \U0001f600", "Zero\u200dwidth joiner and \U0001f600"),
        ("", ""),
    ],
)
def test_clean_text(text: str, expected: str) -> None:
    assert clean_text(text) == expected
    assert clean_text(expected) == expected
