"""Formulas as readable text in the digest, and the unsubscribe token's signature."""

from __future__ import annotations

import pytest
from django.core import mail, signing
from django.core.management import CommandError, call_command

from coolpapers.digests.mail import excerpt, read_unsubscribe_token, tex_to_text
from coolpapers.library.models import Collection


@pytest.mark.parametrize(
    ("tex", "text"),
    [
        (r"$\alpha$-stable in $\mathbb{R}^d$", "\N{GREEK SMALL LETTER ALPHA}-stable in \u211d^d"),
        (r"Schr\"odinger \emph{bridges}", "Schrödinger bridges"),
        (r"$x_{i} \leq \frac{1}{2}$", "x_i≤1/2"),
        ("50% of it & more", "50% of it & more"),  # a bare % or & is text, not TeX
        ("Plain title", "Plain title"),
        ("Line\nwrapped   title", "Line wrapped title"),
        (r"\href{broken", r"\href{broken"),  # what the converter cannot read goes as it is
    ],
)
def test_tex_to_text(tex: str, text: str) -> None:
    assert tex_to_text(tex) == text


def test_excerpt_cuts_at_a_word_outside_formulas() -> None:
    abstract = ("We study $\\mathcal{O}(n)$ bounds. " * 40).strip()
    cut = excerpt(abstract, 100)
    assert (
        cut.endswith("…")
        and len(cut) <= 101
        and "$" not in cut
        and "\N{MATHEMATICAL SCRIPT CAPITAL O}(n)" in cut
    )
    assert excerpt("Short.", 100) == "Short."


def test_unsubscribe_token_round_trip_and_forgery() -> None:
    from coolpapers.digests.mail import unsubscribe_token

    collection = Collection(pk=7, owner_id=3)
    token = unsubscribe_token(collection)
    assert read_unsubscribe_token(token) == (7, 3)
    with pytest.raises(signing.BadSignature):
        read_unsubscribe_token(token[:-2])
    other = signing.dumps([7, 3], salt="something else")  # a valid signature, another purpose
    with pytest.raises(signing.BadSignature):
        read_unsubscribe_token(other)


@pytest.mark.django_db
def test_send_digests_command(papers, settings) -> None:
    from tests.digests.conftest import make_reader

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    make_reader("ann", size=2)
    call_command("send_digests", verbosity=0)  # the fixture's days are old: beat sends nothing
    assert mail.outbox == []
    call_command("send_digests", "--day", "latest", verbosity=0)
    assert [m.to for m in mail.outbox] == [["ann@example.org"]]
    call_command("send_digests", "--day", "latest", verbosity=0)
    assert len(mail.outbox) == 1  # once per profile and day
    with pytest.raises(CommandError, match="--day"):
        call_command("send_digests", "--day", "yesterday")
