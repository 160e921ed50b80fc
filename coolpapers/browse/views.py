"""HTTP layer of browsing: read the request, call listing/metadata/stars, render.

Errors a reader can fix or should know about are pages that say what was not found or what
is wrong with the request (404/400), never a 500.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

from django.contrib.auth.views import redirect_to_login
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_GET, require_POST

from coolpapers.browse import listing, metadata
from coolpapers.browse.bibtex import bibtex_entry
from coolpapers.browse.feeds import DailyListFeed, FeedList
from coolpapers.browse.listing import BadParameter, DayCounts, Sort
from coolpapers.browse.models import Star
from coolpapers.browse.stars import InvalidBrowserId, browser_id, record_star, star_count, throttle
from coolpapers.interests import foryou
from coolpapers.interests.like import BadPaperIds, parse_paper_ids, semantic_on
from coolpapers.interests.prefer import BadKeywords, parse_keywords
from coolpapers.library.models import Collection
from coolpapers.papers.arxiv_ids import InvalidArxivId, abs_url, parse_arxiv_id, pdf_url
from coolpapers.papers.category_spec import (
    ARCHIVE_CATEGORIES,
    CategorySpec,
    InvalidSpec,
    UnknownCategory,
    parse_spec,
)
from coolpapers.papers.daily import DayFinder
from coolpapers.papers.models import Announcement, Archive, Category, Paper, PaperCategory
from coolpapers.papers.taxonomy import ARCHIVES, GROUPS
from coolpapers.related.services import stored_keywords
from coolpapers.web.client import client_address
from coolpapers.web.page_cache import cached_page
from coolpapers.web.paging import shown_pages
from coolpapers.web.problems import Problem, canonical_id, canonical_redirect, missing_paper
from search.backends.base import IndexUnavailable

# --- home -----------------------------------------------------------------------------------


@require_GET
@cached_page
def home(request: HttpRequest) -> HttpResponse:
    latest = listing.latest_announcement_day()
    counts = listing.category_counts(latest) if latest else {}
    categories = Category.objects.filter(active=True).order_by("code")
    archives = (
        Archive.objects.filter(active=True)
        .order_by("code")
        .prefetch_related(Prefetch("categories", queryset=categories, to_attr="listed"))
    )
    groups: dict[str, list] = {group: [] for group in GROUPS}
    for archive in archives:
        listed = [(category, counts.get(category.code, 0)) for category in archive.listed]
        if listed:
            groups.setdefault(archive.group, []).append((archive, listed))
    context = {
        "latest": latest,
        "groups": [(name, archives) for name, archives in groups.items() if archives],
        "list_prefix": reverse("browse:list", args=["x"]).removesuffix("x"),
    }
    return render(request, "browse/home.html", context)


# --- daily lists ----------------------------------------------------------------------------


@dataclass
class DayList:
    """A resolved list request: spec (with category names), day, sort and page."""

    spec: CategorySpec
    names: dict[str, str]
    day: date
    explicit_day: bool
    sort: Sort
    page: int
    finder: DayFinder = field(repr=False)
    keywords: tuple[str, ...] = ()  # the reader's, for Sort.PREFER
    liked: tuple[str, ...] = ()  # the reader's papers, for Sort.PREFER in semantic mode
    profile: Collection | None = None  # the signed-in reader's current one, for Sort.FORYOU

    def url(self, view: str = "browse:list", *, page: int = 1, **overrides: object) -> str:
        params = {
            "date": self.day.isoformat(),
            "sort": self.sort,
            "kw": ",".join(self.keywords),
            "like": ",".join(self.liked),
            "page": page,
            **overrides,
        }
        query = {
            key: value
            for key, value in params.items()
            if value
            and not (key == "sort" and value == Sort.ARXIV)
            and not (key == "page" and value == 1)
            and not (key in ("kw", "like") and params["sort"] != Sort.PREFER)
        }
        return reverse(view, args=[str(self.spec)]) + "?" + urlencode(query)

    @property
    def included(self) -> list[tuple[str, str]]:
        return [(code, self.names.get(code, "")) for code in self.spec.include]

    @property
    def excluded(self) -> list[tuple[str, str]]:
        return [(code, self.names.get(code, "")) for code in self.spec.exclude]


ARCHIVE_NAMES = {
    archive.code: archive.name for archive in ARCHIVES if archive.code in ARCHIVE_CATEGORIES
}


def _parse_spec(text: str) -> tuple[CategorySpec, dict[str, str]]:
    names = dict(Category.objects.values_list("code", "name"))
    # `math` or `math.*`: the archive's name heads its list.
    names.update(ARCHIVE_NAMES)
    try:
        return parse_spec(text, names), names
    except UnknownCategory as error:
        codes = ", ".join(error.codes)
        reason = ngettext(
            "There is no arXiv category %(codes)s.",
            "There is no arXiv categories %(codes)s.",
            len(error.codes),
        )
        raise Problem(404, reason % {"codes": codes}) from error
    except InvalidSpec as error:
        reason = gettext("Not a category list: %(error)s.") % {"error": error}
        raise Problem(400, reason) from error


def _preferences(request: HttpRequest) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The ❤ sort's keywords (kw=) and papers (like=); either may be left out when the other
    is given (which one orders the list is decided with it: coolpapers.interests.order)."""
    like_text = request.GET.get("like", "")
    liked = parse_paper_ids(like_text, "like") if like_text.strip() else ()
    kw_text = request.GET.get("kw", "")
    keywords = parse_keywords(kw_text) if kw_text.strip() or not liked else ()
    return keywords, liked


# The query parameters of daily lists and their chunks (the page cache keys on them alone).
LIST_PARAMS = ("date", "sort", "page", "kw", "like")


class SignInFirst(Problem):
    """The For you sort of an anonymous reader: to the sign-in page, and back after it."""

    def __init__(self) -> None:
        super().__init__(302, "sign in first")

    def response(self, request: HttpRequest) -> HttpResponse:
        return redirect_to_login(request.get_full_path())


def foryou_profile(request: HttpRequest) -> Collection | None:
    """The signed-in reader's current profile for the For you sort (SignInFirst if anonymous)."""
    if not request.user.is_authenticated:
        raise SignInFirst()
    profile = foryou.current_profile(request.user, request.session)
    request._foryou_profile = profile  # the 👍/👎 controls of the page rate in it
    return profile


def _resolve_day_list(request: HttpRequest, spec: CategorySpec, names: dict[str, str]) -> DayList:
    """Read date, sort and page; no date means the latest day with papers in the spec."""
    try:
        day = listing.parse_day(request.GET.get("date"))
        sort = listing.parse_sort(request.GET.get("sort"))
        page = listing.parse_page(request.GET.get("page"))
        keywords, liked = _preferences(request) if sort is Sort.PREFER else ((), ())
    except (BadParameter, BadKeywords, BadPaperIds) as error:
        raise Problem(400, str(error)) from error
    profile = foryou_profile(request) if sort is Sort.FORYOU else None
    finder = DayFinder(spec)
    explicit = day is not None
    if day is None:
        day = finder.latest()
        if day is None:
            reason = gettext("No papers in %(spec)s have been announced yet.") % {"spec": spec}
            raise Problem(404, reason)
    return DayList(spec, names, day, explicit, sort, page, finder, keywords, liked, profile)


def _nothing_to_show(day_list: DayList, counts: DayCounts) -> Problem | None:
    """The 404 for a day without papers in the spec, or a page past the end of the day."""
    spec, day, page = day_list.spec, day_list.day, day_list.page
    if not counts.total:
        links = []
        if before := day_list.finder.before(day):
            links.append((f"← {before.isoformat()}", _day_url(spec, before)))
        if after := day_list.finder.after(day):
            links.append((f"{after.isoformat()} →", _day_url(spec, after)))
        reason = gettext("No papers in %(spec)s were announced on %(day)s.") % {
            "spec": spec,
            "day": day.isoformat(),
        }
        return Problem(404, reason, links)
    if page > counts.pages:
        reason = ngettext(
            "Page %(page)s is past the end: %(spec)s on %(day)s has %(total)s papers on "
            "%(pages)s page.",
            "Page %(page)s is past the end: %(spec)s on %(day)s has %(total)s papers on "
            "%(pages)s pages.",
            counts.pages,
        ) % {
            "page": page,
            "spec": spec,
            "day": day.isoformat(),
            "total": counts.total,
            "pages": counts.pages,
        }
        return Problem(404, reason, [(gettext("First page"), day_list.url())])
    return None


def _day_url(spec: CategorySpec, day: date) -> str:
    return reverse("browse:list", args=[str(spec)]) + "?" + urlencode({"date": day.isoformat()})


def _day_pages(day_list: DayList, pages: range) -> list[listing.DayPage]:
    try:
        return listing.day_pages(
            day_list.spec,
            day_list.day,
            sort=day_list.sort,
            pages=pages,
            keywords=day_list.keywords,
            liked=day_list.liked,
            profile=day_list.profile,
        )
    except BadKeywords as error:  # sort=prefer with neither kw= nor like= usable
        raise Problem(400, str(error)) from error
    except IndexUnavailable as error:
        reason = gettext("The ❤ sort needs the search index, which cannot answer now: %(error)s")
        links = [(gettext("arXiv order"), day_list.url(sort=Sort.ARXIV))]
        raise Problem(503, reason % {"error": error}, links) from error


def _chunk_context(day_list: DayList, page: listing.DayPage) -> dict:
    following = page.number + 1
    return {
        "day_list": day_list,
        "page": page,
        "next_page_url": day_list.url(page=following) if page.has_next else "",
        "next_chunk_url": day_list.url("browse:chunk", page=following) if page.has_next else "",
    }


def _earlier_context(day_list: DayList, pages: list[listing.DayPage], counts: DayCounts) -> dict:
    """Past PAGES_AT_ONCE pages a whole page starts below the day's first paper: which paper it
    starts with, and a link to the pages before (ending at their last page, anchored there)."""
    first = pages[0].number
    if first == 1:
        return {"earlier_pages": pages[:-1]}
    before = shown_pages(first - 1)
    return {
        "earlier_pages": pages[:-1],
        "shown_from": pages[0].first_number,
        "day_total": counts.total,
        "earlier_url": f"{day_list.url(page=before.stop - 1)}#page-{before.stop - 1}",
        "earlier_from": (before.start - 1) * listing.PAGE_SIZE + 1,
        "earlier_to": pages[0].first_number - 1,
    }


@require_GET
@cached_page(params=LIST_PARAMS)
def daily_list(request: HttpRequest, spec: str) -> HttpResponse:
    try:
        parsed, names = _parse_spec(spec)
        if str(parsed) != spec:
            return canonical_redirect(request, reverse("browse:list", args=[str(parsed)]))
        day_list = _resolve_day_list(request, parsed, names)
        counts = listing.day_counts(parsed, day_list.day)
        if problem := _nothing_to_show(day_list, counts):
            raise problem
        # Page N shows the pages before it too: where a reader who scrolled that far was.
        pages = _day_pages(day_list, shown_pages(day_list.page))
    except Problem as problem:
        return problem.response(request)
    page = pages[-1]
    finder, day = day_list.finder, day_list.day
    before = finder.before(day)
    # Without a date the day is the spec's latest: nothing follows it.
    after = finder.after(day) if day_list.explicit_day else None
    context = {
        **_chunk_context(day_list, page),
        "counts": counts,
        "previous_day_url": _day_url(parsed, before) if before else "",
        "previous_day": before,
        "next_day_url": _day_url(parsed, after) if after else "",
        "next_day": after,
        **_earlier_context(day_list, pages, counts),
        "arxiv_order_url": day_list.url(sort=Sort.ARXIV),
        "stars_order_url": day_list.url(sort=Sort.STARS),
        "prefer_order_url": day_list.url(sort=Sort.PREFER),
        "foryou_order_url": day_list.url(sort=Sort.FORYOU),
        # Tells interests.js to send the reader's papers (like=) with the ❤ sort.
        "semantic": semantic_on(),
        "canonical_url": request.build_absolute_uri(day_list.url(page=page.number)),
        "feed_url": reverse("browse:feed", args=[str(parsed)]),
    }
    return render(request, "browse/list.html", context)


@require_GET
@cached_page(params=LIST_PARAMS)
def daily_chunk(request: HttpRequest, spec: str) -> HttpResponse:
    """The next 25 papers as an HTML fragment for htmx (same parameters as the list page).

    It does not count the day: one row more than a page tells whether a next chunk exists.
    """
    try:
        parsed, names = _parse_spec(spec)
        day_list = _resolve_day_list(request, parsed, names)
        page = _day_pages(day_list, range(day_list.page, day_list.page + 1))[0]
        if not page.entries:
            counts = listing.day_counts(parsed, day_list.day)
            raise _nothing_to_show(day_list, counts) or Problem(404, gettext("This page is empty."))
    except Problem as problem:
        return problem.response(request)
    return render(request, "browse/_chunk.html", _chunk_context(day_list, page))


@require_GET
def feed(request: HttpRequest, spec: str) -> HttpResponse:
    try:
        parsed, names = _parse_spec(spec)
        if str(parsed) != spec:
            return canonical_redirect(request, reverse("browse:feed", args=[str(parsed)]))
        day = DayFinder(parsed).latest()
        if day is None:
            reason = gettext("No papers in %(spec)s have been announced yet.") % {"spec": parsed}
            raise Problem(404, reason)
    except Problem as problem:
        return problem.response(request)
    title = ", ".join(f"{code} ({names[code]})" for code in parsed.include)
    if parsed.exclude:
        title += " except " + ", ".join(parsed.exclude)
    papers = listing.day_papers(parsed, day)
    feed_id = request.build_absolute_uri(reverse("browse:feed", args=[str(parsed)]))
    return DailyListFeed()(request, listing=FeedList(parsed, title, day, papers, feed_id))


# --- papers ---------------------------------------------------------------------------------


def _paper_with_details(arxiv_id: str) -> Paper | None:
    links = PaperCategory.objects.select_related("category").order_by("position")
    return (
        Paper.objects.filter(pk=arxiv_id)
        .annotate(star_total=star_count())
        .select_related("related_state")
        .prefetch_related(
            Prefetch("category_links", queryset=links),
            "versions",
            Prefetch("announcements", queryset=Announcement.objects.order_by("date")),
        )
        .first()
    )


@require_GET
@cached_page
def paper_page(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    canonical = canonical_id(request, arxiv_id, "browse:paper")
    if isinstance(canonical, HttpResponse):
        return canonical
    paper = _paper_with_details(canonical)
    if paper is None:
        return missing_paper(request, canonical)
    url = request.build_absolute_uri(reverse("browse:paper", args=[canonical]))
    context = {
        "paper": paper,
        "categories": listing.chips(paper.category_links.all()),
        "versions": list(paper.versions.all()),
        "announcements": list(paper.announcements.all()),
        "stars": paper.star_total,
        "keywords": stored_keywords(paper),
        "dois": paper.doi.split(),
        "license_url": paper.license if paper.license.startswith(("http://", "https://")) else "",
        "canonical_url": url,
        "abs_url": abs_url(canonical),
        "pdf_url": pdf_url(canonical),
        "highwire": metadata.highwire_tags(paper),
        "open_graph": metadata.open_graph_tags(paper, url),
    }
    return render(request, "browse/paper.html", context)


@require_GET
def bibtex(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    canonical = canonical_id(request, arxiv_id, "browse:bibtex")
    if isinstance(canonical, HttpResponse):
        return canonical
    paper = Paper.objects.filter(pk=canonical).prefetch_related("versions").first()
    if paper is None:
        return missing_paper(request, canonical)
    return HttpResponse(bibtex_entry(paper), content_type="text/plain; charset=utf-8")


@require_POST
def star(request: HttpRequest, arxiv_id: str) -> JsonResponse:
    """Count a click on [PDF] or [REL]: once per browser (the id /csrf issued), paper and day;
    rate limited per address. 403 without an id, so browse.js fetches /csrf and tries again."""
    wait = throttle(client_address(request.META))
    if wait:
        response = JsonResponse({"error": f"too many clicks; retry in {wait} s"}, status=429)
        response["Retry-After"] = str(wait)
        return response
    try:
        paper_id = parse_arxiv_id(arxiv_id).id
    except InvalidArxivId as error:
        return JsonResponse({"error": str(error)}, status=400)
    if not Paper.objects.filter(pk=paper_id).exists():
        return JsonResponse({"error": f"paper {paper_id} is not in our database"}, status=404)
    try:
        browser = browser_id(request)
    except InvalidBrowserId as error:
        return JsonResponse({"error": str(error)}, status=403)
    counted = record_star(paper_id, browser, timezone.localdate())
    stars = Star.objects.filter(paper_id=paper_id).count()
    return JsonResponse({"paper": paper_id, "stars": stars, "counted": counted})
