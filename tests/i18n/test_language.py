"""The interface in English or Simplified Chinese: from Accept-Language, overridden by the
header's switch (a cookie); paper content untouched and marked lang="en"; the page cache
keeps one entry per language and responses say what they vary on."""

# ruff: noqa: RUF001 - the Chinese strings tested are written with full-width punctuation

from __future__ import annotations

import json
import re

import pytest
from django.core.management import call_command
from django.test import Client

from coolpapers.papers.models import Paper
from coolpapers.related import services
from coolpapers.related.corpus import PaperResult
from coolpapers.web.language import catalog_version
from tests.conftest import SAMPLE

pytestmark = pytest.mark.django_db

PAPER = "2503.11685"
LIST = "/arxiv/cs.CV?date=2025-03-18"
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9,en;q=0.8"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.9"}


@pytest.fixture(autouse=True)
def page_cache(settings, request):
    """The page cache on, in memory of this test alone."""
    settings.PAGE_CACHE_SECONDS = 300
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"i18n-{request.node.nodeid}",
        }
    }


@pytest.fixture
def sample(db) -> None:
    call_command("ingest_arxiv", str(SAMPLE), verbosity=0)


def html_lang(html: str) -> str:
    return re.search(r"<html lang=\"([^\"]+)\">", html)[1]


def element(html: str, pattern: str) -> tuple[str, str]:
    """(attributes, inner HTML) of the first element whose opening tag matches `pattern`."""
    match = re.search(rf"<({pattern})([^>]*)>(.*?)</", html, re.S)
    assert match, pattern
    return match[2], match[3]


def test_english_is_the_default(client, sample):
    for headers in ({}, EN, {"HTTP_ACCEPT_LANGUAGE": "fr-FR,de;q=0.8"}):
        response = Client().get("/", **headers)
        html = response.content.decode()
        assert html_lang(html) == "en" and "Daily arXiv lists" in html
        assert response["Content-Language"] == "en"
    paper = client.get(f"/arxiv/{PAPER}").content.decode()
    # Nothing marked: the whole English page is lang="en" already.
    assert ' lang="en"' not in paper.replace('<html lang="en">', "")
    assert 'hreflang="zh-hans"' in paper and ">简体中文<" in paper


def test_chinese_from_accept_language(client, sample):
    response = client.get("/", **ZH)
    html = response.content.decode()
    assert response["Content-Language"] == "zh-hans"
    assert html_lang(html) == "zh-hans"
    assert "arXiv 每日列表" in html and "Daily arXiv lists" not in html
    assert "<h2>计算机科学</h2>" in html
    # arXiv's own category names stay as arXiv has them, marked as English.
    assert '<span class="name" lang="en">Computer Vision and Pattern Recognition</span>' in html
    # Dates in Chinese order: 2025年11月5日 星期三.
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日 星期.", html)
    # The switch offers English, in English.
    assert 'hreflang="en"' in html and '<span lang="en">English</span>' in html
    # Other Chinese variants get Simplified Chinese too.
    for accept in ("zh-Hans-CN", "zh", "zh-SG,en;q=0.5"):
        other = Client().get("/", HTTP_ACCEPT_LANGUAGE=accept)
        assert other["Content-Language"] == "zh-hans", accept


def test_paper_content_stays_as_arxiv_has_it_and_is_marked_english(client, sample):
    paper = Paper.objects.get(pk=PAPER)
    result = PaperResult(paper.pk, paper.content_hash, ["widget ensembles", "quantum"])
    services.save_results([result], "test-version")
    english = client.get(f"/arxiv/{PAPER}").content.decode()
    chinese = Client().get(f"/arxiv/{PAPER}", **ZH).content.decode()
    assert "相关论文" in chinese and "分类" in chinese and "Related papers" not in chinese
    for field in ('h1 class="paper-title"', 'div class="abstract"'):
        en_attrs, en_inner = element(english, field)
        zh_attrs, zh_inner = element(chinese, field)
        assert zh_inner == en_inner  # the very same text and markup
        assert ' lang="en"' in zh_attrs and "lang" not in en_attrs
    assert paper.authors[0] in chinese
    authors = re.search(r'<div class="authors">(.*?)</div>', chinese, re.S)[1]
    assert authors.startswith('<span lang="en"><span class="author">')
    keywords = re.findall(r'<a class="keyword"[^>]*>', chinese)
    assert keywords and all(' lang="en"' in link for link in keywords)
    # The title of the page (and the metadata for Google Scholar) are untouched.
    assert (
        re.search(r"<title>(.*?)</title>", chinese, re.S)[1]
        == (re.search(r"<title>(.*?)</title>", english, re.S)[1])
    )
    assert [m for m in re.findall(r"<meta name=\"citation_[^>]+>", english)] == re.findall(
        r"<meta name=\"citation_[^>]+>", chinese
    )


def test_the_cookie_overrides_accept_language(sample):
    reader = Client()
    reader.cookies["language"] = "en"
    assert html_lang(reader.get("/", **ZH).content.decode()) == "en"
    reader.cookies["language"] = "zh-hans"
    assert html_lang(reader.get("/", **EN).content.decode()) == "zh-hans"
    reader.cookies["language"] = "klingon"  # not offered: Accept-Language decides
    assert html_lang(reader.get("/", **EN).content.decode()) == "en"


def test_the_switch_sets_the_cookie_and_goes_back(sample):
    reader = Client()
    response = reader.get("/language", {"to": "zh-hans", "next": LIST}, **EN)
    assert response.status_code == 303 and response["Location"] == LIST
    cookie = response.cookies["language"]
    assert cookie.value == "zh-hans"
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) >= 300 * 24 * 3600
    assert "no-cache" in response["Cache-Control"]
    # The browser keeps the cookie: the list is now in Chinese, whatever the browser says.
    back = reader.get(LIST, **EN)
    assert html_lang(back.content.decode()) == "zh-hans"
    reader.get("/language", {"to": "en", "next": LIST})
    assert html_lang(reader.get(LIST, **ZH).content.decode()) == "en"


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/x", "http://testserver.evil/", "javascript:1", ""],
)
def test_the_switch_goes_back_only_within_the_site(target):
    response = Client().get("/language", {"to": "zh-hans", "next": target})
    assert response.status_code == 303 and response["Location"] == "/"


def test_the_switch_ignores_unknown_languages_and_changes_nothing_on_post():
    response = Client().get("/language", {"to": "fr", "next": "/interests"})
    assert response["Location"] == "/interests" and "language" not in response.cookies
    assert Client().post("/language", {"to": "zh-hans"}).status_code == 405


def test_the_switch_returns_to_the_canonical_page(sample):
    """The link is in cached pages: it names the page's path and the parameters its view
    reads, never a reader's junk parameters."""
    html = Client().get(LIST + "&utm_source=x&page=1", **ZH).content.decode()
    link = re.search(r'<a class="language-switch" href="([^"]+)"', html)[1]
    assert (
        link
        == "/language?to=en&amp;next=%2Farxiv%2FcS.CV%3Fdate%3D2025-03-18%26page%3D1".replace(
            "cS", "cs"
        )
    )


def test_cached_pages_never_serve_one_language_to_the_other(sample):
    english, chinese = Client(), Client()
    cookie_chinese = Client()
    cookie_chinese.cookies["language"] = "zh-hans"
    for url in ("/", LIST, f"/arxiv/{PAPER}", f"/arxiv/{PAPER}/related", "/interests"):
        first = english.get(url, **EN)
        assert first["X-Page-Cache"] == "miss", url
        zh = chinese.get(url, **ZH)
        assert zh["X-Page-Cache"] == "miss", url  # not English's entry
        assert html_lang(zh.content.decode()) == "zh-hans"
        for reader, headers, lang in (
            (english, EN, "en"),
            (chinese, ZH, "zh-hans"),
            (cookie_chinese, EN, "zh-hans"),
            (Client(), {}, "en"),
        ):
            again = reader.get(url, **headers)
            assert again["X-Page-Cache"] == "hit", url
            assert html_lang(again.content.decode()) == lang, (url, lang)
            assert again["Content-Language"] == lang
            # A shared cache in front must key on both the header and the cookie.
            vary = {v.strip() for v in again["Vary"].split(",")}
            assert {"Accept-Language", "Cookie"} <= vary


def test_partial_chunks_are_cached_per_language_too(sample):
    chunk = "/arxiv/cs.CV/chunk?date=2025-03-18&page=2"
    en = Client().get(chunk, **EN)
    zh = Client().get(chunk, **ZH)
    assert en["X-Page-Cache"] == "miss" and zh["X-Page-Cache"] == "miss"
    assert Client().get(chunk, **ZH).content == zh.content


def test_the_scripts_strings_come_from_a_catalog_per_language(client, sample):
    english = client.get("/").content.decode()
    chinese = Client().get("/", **ZH).content.decode()
    version = re.escape(catalog_version())
    assert re.search(rf'<script src="/jsi18n/en.js\?v={version}" defer></script>', english)
    assert re.search(rf'<script src="/jsi18n/zh-hans.js\?v={version}" defer></script>', chinese)
    # Before the site's scripts, which use gettext().
    assert chinese.index("/jsi18n/") < chinese.index("coolpapers/js/interests.js")
    catalog = Client().get("/jsi18n/zh-hans.js", **EN)
    assert catalog.status_code == 200 and catalog["Content-Type"].startswith("text/javascript")
    body = catalog.content.decode()
    # The catalog holds JSON strings (non-ASCII as \\u escapes).
    assert json.dumps("已加载的 %(total)s 篇论文中有 %(matched)s 篇匹配") in body
    assert "function" in body and "eval(" not in body
    # The same for every reader of the language: cacheable, varying only on compression.
    assert "public" in catalog["Cache-Control"] and "max-age" in catalog["Cache-Control"]
    assert catalog.get("Vary", "Accept-Encoding") == "Accept-Encoding"
    assert catalog["Content-Language"] == "zh-hans"
    assert json.dumps("已加载的")[1:-1] not in Client().get("/jsi18n/en.js", **ZH).content.decode()
    assert client.get("/jsi18n/fr.js").status_code == 404


def without_content(html: str) -> str:
    """The page without the elements holding arXiv's text (and the [Copy] button's copy of
    it), so what is left is the interface."""
    # The authors' names are in a lang="en" span holding a span per name.
    html = re.sub(r'<div class="authors">.*?</div>', "", html, flags=re.S)
    html = re.sub(r"<(\w+)[^>]* lang=\"en\"[^>]*>.*?</\1>", "", html, flags=re.S)
    return re.sub(r'data-copy="[^"]*"', "", html)


def interface_text(html: str) -> str:
    """The words a reader sees in <main>, outside paper content, tags and code examples."""
    if "<main" in html:  # a page, else a fragment (an htmx chunk)
        html = html[html.index("<main") : html.index("</main>")]
    main = without_content(html)
    main = re.sub(r"<code>.*?</code>", "", main, flags=re.S)
    return re.sub(r"<[^>]+>", " ", main)


# English words of the interface that no Chinese page may show outside paper content.
ENGLISH_LEFT = re.compile(
    r"\b(papers?|Sort|order|stars|Atom feed|Load more|End of the list|Copy|Search|Query|"
    r"Categories|Announced|Best match|Newest|How to search|Did you mean|No paper|Error|"
    r"Not found|Bad request|Day|Go|cross-list|replaced)\b"
)


def test_a_daily_list_in_chinese(sample):
    english = Client().get(LIST, **EN).content.decode()
    chinese = Client().get(LIST, **ZH).content.decode()
    assert html_lang(chinese) == "zh-hans"
    for text in (
        "排序：",
        ">arXiv 顺序</a>",
        ">★ 星标</a>",
        ">❤ 我的兴趣</a>",
        ">Atom 订阅</a>",
        '<time class="day" datetime="2025-03-18">2025年3月18日 星期二</time>',
        "3月25日 星期二 →",  # the next day's link
        '<span class="counts">共 50 篇论文：新论文 40 篇，交叉列出 10 篇，更新版本 0 篇</span>',
        ">加载更多论文</a>",
        ">[复制]</button>",
        'aria-label="发布日"',
        "placeholder='高亮关键词：diffusion, \"language model\"'",
    ):
        assert text in chinese, text
    assert ENGLISH_LEFT.findall(interface_text(chinese)) == []
    # The same list in English, as before.
    assert '<span class="counts">50 papers: 40 new, 10 cross-lists, 0 replacements</span>' in (
        english
    )
    assert (
        "Sort:" in english
        and ">Load more papers</a>" in english
        and ' lang="en"' not in english.replace('<html lang="en">', "")
    )
    # Paper content: the same text and markup, marked as English.
    assert '<span class="spec-name" lang="en">Computer Vision and Pattern Recognition</span>' in (
        chinese
    )
    en_titles = re.findall(r'<h2 class="paper-title">.*?<a href="([^"]+)">(.*?)</a>', english, re.S)
    zh_titles = re.findall(
        r'<h2 class="paper-title">.*?<a href="([^"]+)" lang="en">(.*?)</a>', chinese, re.S
    )
    assert len(zh_titles) == 25 and zh_titles == en_titles
    en_abstracts = re.findall(r'<div class="abstract">(.*?)</div>', english, re.S)
    zh_abstracts = re.findall(r'<div class="abstract" lang="en">(.*?)</div>', chinese, re.S)
    assert len(zh_abstracts) == 25 and zh_abstracts == en_abstracts
    en_comments = re.findall(r'<p class="comments">(.*?)</p>', english, re.S)
    assert en_comments
    assert re.findall(r'<p class="comments" lang="en">(.*?)</p>', chinese, re.S) == en_comments
    # The end of the list, fetched by htmx, in Chinese too.
    last = Client().get("/arxiv/cs.CV/chunk?date=2025-03-18&page=2", **ZH).content.decode()
    assert "列表结束：共 50 篇论文。" in last
    assert '<span class="badge badge-cross" title="主分类 cs.RO">交叉列出自 cs.RO</span>' in last
    assert ENGLISH_LEFT.findall(interface_text(last)) == []


def test_searches_in_chinese(index):
    """Results with the help folded under them, a partial match, nothing found with help,
    and a refused field: the interface in Chinese, the syntax examples as they are."""
    search = "/arxiv/search"
    partial = Client().get(search, {"q": "gaussian splatting xyzzyplugh"}, **ZH).content.decode()
    assert (
        "没有论文包含全部的 <strong>gaussian</strong>、<strong>splatting</strong> 和 "
        "<strong>xyzzyplugh</strong>；以下是包含其中大部分词的论文。"
    ) in partial
    assert re.search(r'<span class="counts">\d+ 篇论文</span>', partial)
    assert "<summary>如何检索</summary>" in partial and '<details class="search-syntax">' in (
        partial
    )
    # The syntax examples stay literal: they are what a reader types.
    for example in ("<code>cat:cs.CL</code>", '<code>author:"Yann LeCun"</code>', "OR"):
        assert example in partial
    assert '<label for="search-q">检索式</label>' in partial
    assert '<option value="relevance" selected>最相关</option>' in partial
    assert ENGLISH_LEFT.findall(interface_text(partial)) == []
    # Titles and abstracts of the results are arXiv's, marked as English.
    assert re.search(r'<a href="/arxiv/[^"]+" lang="en">[^<]*<mark>', partial)

    empty = Client().get(search, {"q": "xyzzyplugh"}, **ZH).content.decode()
    assert "没有论文匹配 <q>xyzzyplugh</q>。" in empty
    assert "<li>检查每个词的拼写。</li>" in empty
    assert '<details class="search-syntax" open>' in empty and "在分类框中" in empty
    assert ENGLISH_LEFT.findall(interface_text(empty)) == []

    corrected = Client().get(search, {"q": "gaussian splating"}, **ZH).content.decode()
    assert "以下是 <strong>gaussian splatting</strong> 的结果；仍然检索 <a href=" in corrected

    refused = Client().get(search, {"q": "llm", "category": "cs.XX"}, **ZH)
    assert refused.status_code == 400
    html = refused.content.decode()
    assert "无法使用这些分类：" in html and "<code>math</code> 这样的学科大类" in html
    assert ENGLISH_LEFT.findall(interface_text(html)) == []
    # The same error in English, as before.
    english = Client().get(search, {"q": "llm", "category": "cs.XX"}, **EN).content.decode()
    assert "These categories cannot be used: no arXiv category cs.XX." in english


def test_problem_pages_in_chinese(sample):
    missing = Client().get("/arxiv/2401.01234", **ZH)
    html = missing.content.decode()
    assert missing.status_code == 404 and html_lang(html) == "zh-hans"
    assert '<p class="problem-code">错误 404</p>' in html
    assert '<h1 id="problem-title">页面不存在</h1>' in html
    assert "本站数据库中（暂时）没有论文 2401.01234。" in html
    assert ">arXiv 上的 2401.01234</a>" in html and ">全部分类</a>" in html
    assert 'placeholder="改为搜索论文"' in html
    assert ENGLISH_LEFT.findall(interface_text(html)) == []

    nowhere = Client().get("/no/such/page", **ZH).content.decode()
    assert "<code>/no/such/page</code> 处没有任何内容。" in nowhere

    unknown = Client().get("/arxiv/cs.XX", **ZH).content.decode()
    assert "arXiv 没有分类 cs.XX。" in unknown

    bad = Client().get("/arxiv/cs.CV", {"date": "2025-13-45"}, **ZH)
    html = bad.content.decode()
    assert bad.status_code == 400
    assert '<p class="problem-code">错误 400</p>' in html
    assert '<h1 id="problem-title">请求有误</h1>' in html
    assert ENGLISH_LEFT.findall(interface_text(html.replace("date=", ""))) == []
    past = Client().get("/arxiv/cs.CV", {"date": "2025-03-18", "page": "9"}, **ZH)
    assert "第 9 页超出范围：cs.CV 在 2025-03-18 共有 50 篇论文，只有 2 页。" in (
        past.content.decode()
    )
    # In English, as they were.
    english = Client().get("/arxiv/2401.01234", **EN).content.decode()
    assert '<p class="problem-code">Error 404</p>' in english
    assert "Paper 2401.01234 is not in our database (yet)." in english
    english_bad = Client().get("/arxiv/cs.CV", {"date": "2025-13-45"}, **EN).content.decode()
    assert '<h1 id="problem-title">Bad request</h1>' in english_bad
    assert '<p class="problem-code">Error 400</p>' in english_bad


def test_the_unavailable_page_and_the_search_limit_in_chinese(rf, settings):
    from django.utils import translation

    from coolpapers.ops.middleware import database_unavailable

    with translation.override("zh-hans"):
        page = database_unavailable(rf.get("/arxiv/cs.CV")).content.decode()
        api = database_unavailable(rf.get("/api/papers"))
    assert '<html lang="zh-hans">' in page and "<h1>暂时无法使用</h1>" in page
    assert "暂时无法连接数据库，请一分钟后再试。" in page
    # The API's messages stay English whatever the reader's language: clients match on them.
    assert json.loads(api.content) == {
        "detail": "The database is unreachable; please try again in a minute."
    }
    english = database_unavailable(rf.get("/arxiv/cs.CV")).content.decode()
    assert '<html lang="en">' in english and "<h1>Temporarily unavailable</h1>" in english
