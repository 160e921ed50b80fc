"""python manage.py render_markdown FILE [--abstract]"""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("render_markdown", *args, stdout=out)
    return out.getvalue()


def test_markdown_file(tmp_path):
    note = tmp_path / "note.md"
    note.write_text("*Roots* $x_{1,2}$\n", encoding="utf-8")
    assert run(str(note)) == (
        '<p><em>Roots</em> <span class="math notranslate" translate="no">\\(x_{1,2}\\)</span></p>\n'
    )


def test_abstract_file(tmp_path):
    abstract = tmp_path / "abstract.txt"
    abstract.write_text(r"A \emph{new} model -- costs $5", encoding="utf-8")
    assert run(str(abstract), "--abstract") == "A <em>new</em> model \u2013 costs $5\n"


def test_standard_input(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("$a$"))
    assert run("-", "--abstract").startswith('<span class="tex notranslate"')


def test_missing_file_is_a_command_error(tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        run(str(tmp_path / "missing.md"))
