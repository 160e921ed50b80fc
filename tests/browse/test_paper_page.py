"""Paper pages and BibTeX: id forms, citation metadata of real arXiv records, errors."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from coolpapers.papers.models import Paper

pytestmark = pytest.mark.django_db


class Head(HTMLParser):
    def __init__(self, html: str):
        super().__init__()
        self.meta: list[tuple[str, str]] = []
        self.canonical = ""
        self.inline_scripts = 0
        self.handlers: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = {k: v or "" for k, v in attrs}
        self.handlers += [k for k in attrs if k.startswith("on")]
        if tag == "script" and "src" not in attrs:
            self.inline_scripts += 1
        if tag == "meta" and ("name" in attrs or "property" in attrs):
            self.meta.append((attrs.get("name") or attrs["property"], attrs.get("content", "")))
        if tag == "link" and attrs.get("rel") == "canonical":
            self.canonical = attrs["href"]

    def values(self, name: str) -> list[str]:
        return [content for key, content in self.meta if key == name]

    def value(self, name: str) -> str:
        (content,) = self.values(name)
        return content


ABSTRACT_START = "A fully differential calculation in perturbative quantum chromodynamics"


def test_citation_metadata_of_a_real_paper(client, abs_papers):
    """arXiv:0704.0001 as its .abs file describes it: two versions, a DOI, a journal ref."""
    response = client.get("/arxiv/0704.0001")
    assert response.status_code == 200
    head = Head(response.content.decode())
    assert head.inline_scripts == 0 and head.handlers == []
    assert head.value("citation_title") == (
        "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    )
    assert head.values("citation_author") == [
        "C. Balázs",
        "E. L. Berger",
        "P. M. Nadolsky",
        "C.-P. Yuan",
    ]
    assert head.value("citation_date") == "2007/04/02"  # v1, Mon, 2 Apr 2007
    assert head.value("citation_online_date") == "2007/07/24"  # v2
    assert head.value("citation_pdf_url") == "https://arxiv.org/pdf/0704.0001"
    assert head.value("citation_arxiv_id") == "0704.0001"
    assert head.value("citation_doi") == "10.1103/PhysRevD.76.013009"
    abstract = head.value("citation_abstract")
    assert abstract.startswith(ABSTRACT_START) and "\n" not in abstract
    assert abstract.endswith("selection of events.")
    # Open Graph and the canonical link.
    assert head.value("og:type") == "article"
    assert head.value("og:title").startswith("Calculation of prompt diphoton")
    assert head.value("og:url") == "http://testserver/arxiv/0704.0001"
    assert len(head.value("og:description")) <= 300
    assert head.canonical == "http://testserver/arxiv/0704.0001"


def test_paper_page_body(client, abs_papers):
    html = client.get("/arxiv/0704.0001").content.decode()
    assert "Phys.Rev.D76:013009,2007" in html  # journal-ref
    assert 'href="https://doi.org/10.1103/PhysRevD.76.013009"' in html
    assert 'href="https://arxiv.org/abs/0704.0001"' in html
    assert 'href="https://arxiv.org/pdf/0704.0001"' in html
    assert 'href="/arxiv/0704.0001/bibtex"' in html
    assert "v1: <time" in html and "Mon, 2 Apr 2007 19:18 UTC" in html and "(443kb)" in html
    assert "v2: <time" in html and "Tue, 24 Jul 2007 20:10 UTC" in html
    assert 'class="cat primary" href="/arxiv/hep-ph"' in html
    assert 'data-star-url="/arxiv/0704.0001/star"' in html
    assert "ANL-HEP-PR-07-12" in html  # report number
    assert ABSTRACT_START in html
    # Announced in hep-ph's list of that day, linked.
    assert 'href="/arxiv/hep-ph?date=2007-04-03"' in html


def test_license_and_no_doi(client, abs_papers):
    html = client.get("/arxiv/1607.08199").content.decode()
    head = Head(html)
    assert head.values("citation_doi") == []
    assert 'href="http://creativecommons.org/licenses/by-sa/4.0/" rel="license"' in html
    assert [f"v{n}:" in html for n in range(1, 6)] == [True] * 5
    assert head.value("citation_online_date") == "2017/04/05"  # v5


@pytest.mark.parametrize(
    ("path", "canonical"),
    [
        ("/arxiv/arXiv:0704.0001v2", "/arxiv/0704.0001"),
        ("/arxiv/arxiv:0704.0001", "/arxiv/0704.0001"),
        ("/arxiv/0704.0001v1", "/arxiv/0704.0001"),
        ("/arxiv/hep-th/9709111v3", "/arxiv/hep-th/9709111"),
        ("/arxiv/arXiv:hep-th/9709111", "/arxiv/hep-th/9709111"),
        ("/arxiv/arXiv:0704.0001v2/bibtex", "/arxiv/0704.0001/bibtex"),
        ("/arxiv/hep-th/9709111v2/bibtex", "/arxiv/hep-th/9709111/bibtex"),
    ],
)
def test_every_id_form_redirects_permanently_to_the_canonical_url(
    client, abs_papers, path, canonical
):
    response = client.get(path)
    assert response.status_code == 301
    assert response["Location"] == canonical
    assert client.get(canonical).status_code == 200


def test_old_style_ids_and_routing(client, abs_papers):
    response = client.get("/arxiv/hep-th/9709111")
    assert response.status_code == 200
    head = Head(response.content.decode())
    assert head.value("citation_arxiv_id") == "hep-th/9709111"
    assert head.value("citation_pdf_url") == "https://arxiv.org/pdf/hep-th/9709111"
    assert head.values("citation_author") == [
        "Andrea Brignole",
        "Ferruccio Feruglio",
        "Fabio Zwirner",
    ]
    # The same prefix is a category list, and its feed, not a paper.
    assert client.get("/arxiv/hep-th").status_code == 200
    assert client.get("/arxiv/hep-th/feed")["Content-Type"].startswith("application/atom+xml")
    assert client.get("/arxiv/math/0202001").status_code == 200
    assert client.get("/arxiv/cs/0011004").status_code == 200


@pytest.mark.parametrize(
    ("path", "status", "message"),
    [
        ("/arxiv/2401.01234", 404, "Paper 2401.01234 is not in our database"),
        ("/arxiv/math.GT/0309136", 404, "Paper math.GT/0309136 is not in our database"),
        ("/arxiv/2401.01234/bibtex", 404, "Paper 2401.01234 is not in our database"),
        ("/arxiv/2413.01234", 400, "has month 13"),
        ("/arxiv/2401.1234", 400, "five digits after the dot"),
        ("/arxiv/0601.12345", 400, "four digits after the dot"),
        ("/arxiv/2401.01234v0", 400, "versions start at v1"),
        ("/arxiv/hep-th/9913001", 400, "has month 13"),
        ("/arxiv/arXiv:2413.01234/bibtex", 400, "has month 13"),
    ],
)
def test_id_errors(client, abs_papers, path, status, message):
    response = client.get(path)
    assert response.status_code == status
    html = response.content.decode()
    assert message in html and 'href="/">All categories</a>' in html
    if status == 404:
        arxiv_id = path.removeprefix("/arxiv/").removesuffix("/bibtex")
        assert f'href="https://arxiv.org/abs/{arxiv_id}"' in html


def test_bibtex_of_a_real_paper(client, abs_papers):
    response = client.get("/arxiv/0704.0001/bibtex")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode() == (
        "@misc{balazs2007calculation,\n"
        "  title = {Calculation of prompt diphoton production cross sections at Tevatron"
        " and LHC energies},\n"
        "  author = {C. Bal\\'azs and E. L. Berger and P. M. Nadolsky and C.-P. Yuan},\n"
        "  year = {2007},\n"
        "  month = apr,\n"
        "  eprint = {0704.0001},\n"
        "  archivePrefix = {arXiv},\n"
        "  primaryClass = {hep-ph},\n"
        "  url = {https://arxiv.org/abs/0704.0001},\n"
        "  doi = {10.1103/PhysRevD.76.013009}\n"
        "}\n"
    )


def test_bibtex_old_style_dates_from_first_version(client, abs_papers):
    text = client.get("/arxiv/hep-th/9709111/bibtex").content.decode()
    assert text.startswith("@misc{brignole1997effective,\n")
    assert "  year = {1997},\n  month = sep,\n" in text
    assert "  author = {Andrea Brignole and Ferruccio Feruglio and Fabio Zwirner},\n" in text
    assert "  eprint = {hep-th/9709111},\n" in text and "  primaryClass = {hep-th},\n" in text


def test_bibtex_without_versions_dates_by_the_id(client, sample_papers):
    paper = Paper.objects.filter(versions__isnull=True, submitted__isnull=True).first()
    text = client.get(f"/arxiv/{paper.pk}/bibtex").content.decode()
    yymm = paper.pk[:4]
    assert f"  year = {{20{yymm[:2]}}},\n" in text
    months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    assert f"  month = {months[int(yymm[2:]) - 1]},\n" in text


def test_paper_page_queries_do_not_grow_with_versions_or_authors(
    client, abs_papers, django_assert_num_queries
):
    # paper with stars, categories, versions, announcements
    for arxiv_id in ("2103.11058", "1607.08199", "acc-phys/9411001"):
        with django_assert_num_queries(5):
            assert client.get(f"/arxiv/{arxiv_id}").status_code == 200
