"""Print a file's Markdown (a note) or arXiv text (--abstract) as the site's HTML."""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from coolpapers.rendering.markdown import render_markdown
from coolpapers.rendering.tex import render_html


class Command(BaseCommand):
    help = "Render a Markdown file (or, with --abstract, a title or abstract with TeX) as HTML."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", help="UTF-8 text file; - reads standard input")
        parser.add_argument(
            "--abstract",
            action="store_true",
            help="the file is arXiv text (a title or an abstract), not Markdown",
        )

    def handle(self, *args, file: str, abstract: bool, **options) -> None:
        if file == "-":
            text = sys.stdin.read()
        else:
            try:
                text = Path(file).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise CommandError(f"cannot read {file}: {exc}") from exc
        html = render_html(text) if abstract else render_markdown(text)
        self.stdout.write(html, ending="" if html.endswith("\n") else "\n")
