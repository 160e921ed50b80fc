"""The For you pages: a profile's ranking of today (or of the days since the last visit), each
paper with why, 👍/👎 and its read mark; and the POST endpoints of the rating and read controls
every card carries for a signed-in reader (JSON for feed.js, a redirect back without JS).

Catch-up merges the days since the reader's last visit into one ranking (each card says its
day), rather than one list per day: the best of a week first is what a reader back from a
week away wants.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.text import Truncator
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from coolpapers.browse.listing import PAGE_SIZE, Entry, paper_entries
from coolpapers.interests import foryou
from coolpapers.library.models import Collection
from coolpapers.papers.arxiv_ids import InvalidArxivId, parse_arxiv_id
from coolpapers.papers.models import Paper
from coolpapers.web.paging import BadPage, Numbered, parse_page, shown_pages

MAX_PAGE = 1000


class BadInput(ValueError):
    """A parameter the reader can fix: a 400 that says which and why."""


WHY_TITLE = 90  # characters of a "close to" paper's title shown


@dataclass(frozen=True)
class WhyPaper:
    arxiv_id: str
    title: str  # cut to WHY_TITLE characters


def _short(title: str) -> str:
    """The title cut as the truncatechars filter would, without its cost for short ones."""
    return title if len(title) <= WHY_TITLE else Truncator(title).chars(WHY_TITLE)


@dataclass(frozen=True)
class Item:
    """One paper on a For you page: its card's entry and what the page adds to it."""

    entry: Entry
    score: float | None = None
    why_papers: list[WhyPaper] = field(default_factory=list)
    why_words: list[str] = field(default_factory=list)
    read: bool = False
    seen: bool = False
    day: date | None = None

    @property
    def paper(self) -> Paper:
        return self.entry.paper


@dataclass(frozen=True)
class ItemPage(Numbered):
    size = PAGE_SIZE
    number: int
    entries: list[Item]
    has_next: bool


def _parse_day(text: str | None, name: str) -> date | None:
    if not text:
        return None
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise BadInput(
        gettext("%(name)s=%(value)s is not a date; use YYYY-MM-DD, e.g. 2026-08-21")
        % {"name": name, "value": text[:40]}
    )


def _parse_page(text: str | None) -> int:
    try:
        return parse_page(text, MAX_PAGE)
    except BadPage:
        raise BadInput(
            gettext("page=%(value)s is not a page number (1 to %(last)s)")
            % {"value": (text or "")[:40], "last": MAX_PAGE}
        ) from None


def _bad_request(request: HttpRequest, message: str, *, fragment: bool = False) -> HttpResponse:
    if fragment:
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
    return render(request, "personal/foryou/error.html", {"error": message}, status=400)


def _items(
    request: HttpRequest,
    profile: Collection,
    ordered: list[str],
    pages: range,
    days: list[date] | None,
    visit: foryou.Visit,
    state: tuple | None,
) -> list[ItemPage]:
    """The items of consecutive pages of a ranking, with why, marks and (catch-up) days: all
    read for the shown papers alone, never for the whole ranking."""
    start = (pages.start - 1) * PAGE_SIZE
    size = len(pages) * PAGE_SIZE
    window = ordered[start : start + size]
    day_of = foryou.days_of(window, days) if days else None
    scored = foryou.explained(profile, window, state)
    why_ids = {pid for s in scored.values() if s.why for pid in s.why.papers}
    titles = dict(Paper.objects.filter(pk__in=why_ids).values_list("pk", "title"))
    read = foryou.read_ids(request.user, window)
    marks = foryou.seen_at(request.user, window)
    seen = {pid for pid, at in marks.items() if at < visit.start}
    items = []
    for entry in paper_entries(window):
        pid = entry.paper.arxiv_id
        found = scored.get(pid)
        why = found.why if found else None
        items.append(
            Item(
                entry,
                found.score if found else None,
                [
                    WhyPaper(p, _short(titles[p]))
                    for p in (why.papers if why else [])
                    if p in titles
                ][:3],
                list(why.words[:6]) if why else [],
                pid in read,
                pid in seen,
                day_of.get(pid) if day_of else None,
            )
        )
    foryou.record_seen(request.user, [pid for pid in window if pid not in marks])
    result = []
    for offset, number in enumerate(pages):
        part = items[offset * PAGE_SIZE : (offset + 1) * PAGE_SIZE]
        if part or not result:
            result.append(ItemPage(number, part, len(ordered) > start + (offset + 1) * PAGE_SIZE))
    return result


def _profile(request: HttpRequest, profile_id: int | None) -> Collection | None:
    profile = foryou.current_profile(request.user, request.session, profile_id)
    request._foryou_profile = profile  # the rating controls' profile on this page
    return profile


@dataclass(frozen=True)
class Ranking:
    """What a For you page ranks: the papers, their days (catch-up), the links to its pages."""

    ordered: list[str]
    days: list[date]
    view: str  # "today" or "catch-up"
    query: dict[str, str]


def _ranking(
    request: HttpRequest, profile: Collection, view: str, visit: foryou.Visit, state: tuple | None
) -> Ranking:
    if view == "catch-up":
        since = _parse_day(request.GET.get("since"), "since")
        if since is None:
            since = visit.since.date() if visit.since else None
        if since is None:
            return Ranking([], [], view, {})
        days = foryou.days_after(since)
        ordered = foryou.ranked_ids(profile, foryou.days_candidates(days), state) if days else []
        return Ranking(ordered, days, view, {"since": since.isoformat()})
    day = _parse_day(request.GET.get("date"), "date") or foryou.latest_day()
    if day is None:
        return Ranking([], [], view, {})
    query = {"date": day.isoformat()} if request.GET.get("date") else {}
    ordered = foryou.ranked_ids(profile, foryou.day_candidates(day), state)
    return Ranking(ordered, [day], view, query)


def _page_urls(profile: Collection, ranking: Ranking, number: int) -> tuple[str, str]:
    """The whole page ?page=number and its chunk, of the same ranking."""
    name = "foryou:catch-up" if ranking.view == "catch-up" else "foryou:profile"
    chunk = "foryou:catch-up-chunk" if ranking.view == "catch-up" else "foryou:chunk"
    query = {**ranking.query, "page": str(number)}
    return (
        f"{reverse(name, args=[profile.pk])}?{urlencode(query)}",
        f"{reverse(chunk, args=[profile.pk])}?{urlencode(query)}",
    )


def _chunk_context(profile: Collection, ranking: Ranking, page: ItemPage) -> dict:
    following = page.number + 1
    page_url, chunk_url = _page_urls(profile, ranking, following)
    return {
        "profile": profile,
        "page": page,
        "catch_up": ranking.view == "catch-up",
        "next_page_url": page_url if page.has_next else "",
        "next_chunk_url": chunk_url if page.has_next else "",
    }


def _show(request: HttpRequest, profile_id: int | None, view: str) -> HttpResponse:
    try:
        page_number = _parse_page(request.GET.get("page"))
        profile = _profile(request, profile_id)
    except BadInput as error:
        return _bad_request(request, str(error))
    except foryou.NoSuchProfile:
        return _no_such_profile(request, profile_id)
    profiles = foryou.profiles_of(request.user)
    if profile is None:
        return render(request, "personal/foryou/page.html", {"profiles": profiles})
    visit = foryou.visit(profile, request.session)
    state = foryou.ranking_state(profile)  # once: the ranking's and the why's cache keys
    try:
        ranking = _ranking(request, profile, view, visit, state)
    except BadInput as error:
        return _bad_request(request, str(error))
    pages = _items(
        request,
        profile,
        ranking.ordered,
        shown_pages(page_number),
        _day_map(ranking),
        visit,
        state,
    )
    page = pages[-1]
    if page_number > 1 and not page.entries:
        return _bad_request(
            request,
            gettext("page=%(page)s is past the end: %(total)s papers")
            % {"page": page_number, "total": len(ranking.ordered)},
        )
    earlier = {}
    if pages[0].number > 1:
        earlier_url, _ = _page_urls(profile, ranking, pages[0].number - 1)
        earlier = {"earlier_url": earlier_url, "shown_from": pages[0].first_number}
    catch_up_days = []
    if view == "today" and visit.since is not None:
        catch_up_days = foryou.days_after(visit.since.date())
    context = {
        **_chunk_context(profile, ranking, page),
        **earlier,
        "earlier_pages": pages[:-1],
        "profiles": profiles,
        "basis": foryou.basis_of(profile),
        "ranking": ranking,
        "total": len(ranking.ordered),
        "day": ranking.days[-1] if ranking.days else None,
        "first_visit": visit.since is None,
        "since": visit.since,
        "catch_up_days": catch_up_days,
        "catch_up_url": (
            f"{reverse('foryou:catch-up', args=[profile.pk])}?"
            f"{urlencode({'since': visit.since.date().isoformat()})}"
            if visit.since
            else ""
        ),
        "today_url": reverse("foryou:profile", args=[profile.pk]),
    }
    return render(request, "personal/foryou/page.html", context)


def _day_map(ranking: Ranking) -> list[date] | None:
    """The days whose papers' cards say their day: a catch-up of several days."""
    if ranking.view != "catch-up" or len(ranking.days) < 2:
        return None
    return ranking.days


def _no_such_profile(request: HttpRequest, profile_id: int | None) -> HttpResponse:
    context = {"error": gettext("Profile %(id)s is not one of yours.") % {"id": profile_id}}
    return render(request, "personal/foryou/error.html", context, status=404)


@require_GET
@never_cache
@login_required
def page(request: HttpRequest) -> HttpResponse:
    """Today's papers ranked by the reader's current profile."""
    return _show(request, None, "today")


@require_GET
@never_cache
@login_required
def profile_page(request: HttpRequest, profile: int) -> HttpResponse:
    """Today's papers ranked by one profile, which becomes the current one."""
    return _show(request, profile, "today")


@require_GET
@never_cache
@login_required
def catch_up(request: HttpRequest, profile: int) -> HttpResponse:
    """The days since the last visit, merged and ranked by the profile."""
    return _show(request, profile, "catch-up")


def _chunk(request: HttpRequest, profile_id: int, view: str) -> HttpResponse:
    """The next 25 papers of a For you page, as an HTML fragment for htmx."""
    try:
        number = _parse_page(request.GET.get("page"))
        profile = _profile(request, profile_id)
        if profile is None:
            raise foryou.NoSuchProfile(str(profile_id))
        visit = foryou.visit(profile, request.session)
        state = foryou.ranking_state(profile)
        ranking = _ranking(request, profile, view, visit, state)
    except BadInput as error:
        return _bad_request(request, str(error), fragment=True)
    except foryou.NoSuchProfile:
        return HttpResponse(status=404)
    page = _items(
        request,
        profile,
        ranking.ordered,
        range(number, number + 1),
        _day_map(ranking),
        visit,
        state,
    )[0]
    if not page.entries:
        return HttpResponse(gettext("This page is empty."), status=404, content_type="text/plain")
    return render(request, "personal/foryou/_chunk.html", _chunk_context(profile, ranking, page))


@require_GET
@never_cache
@login_required
def chunk(request: HttpRequest, profile: int) -> HttpResponse:
    return _chunk(request, profile, "today")


@require_GET
@never_cache
@login_required
def catch_up_chunk(request: HttpRequest, profile: int) -> HttpResponse:
    return _chunk(request, profile, "catch-up")


# --- the controls' POST endpoints ----------------------------------------------------------------


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _back(request: HttpRequest, anchor: str = "") -> HttpResponse:
    """Back where the form was (its `next`, on this site only), at the paper."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = reverse("foryou:page")
    return HttpResponseRedirect(f"{target.split('#')[0]}#{anchor}" if anchor else target)


def _control_error(request: HttpRequest, message: str, status: int = 400) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"detail": message}, status=status)
    return render(request, "personal/foryou/error.html", {"error": message}, status=status)


def _paper_id(raw: str) -> str:
    try:
        arxiv_id = parse_arxiv_id(raw).id
    except InvalidArxivId as error:
        raise BadInput(gettext("Not an arXiv id: %(error)s.") % {"error": error}) from error
    if not Paper.objects.filter(pk=arxiv_id).exists():
        raise LookupError(gettext("Paper %(id)s is not in our database (yet).") % {"id": arxiv_id})
    return arxiv_id


@require_POST
@never_cache
@login_required
def rate(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    """👍, 👎 or neither for a paper in a profile (`profile`, else the current one)."""
    try:
        paper_id = _paper_id(arxiv_id)
        value = foryou.parse_rating(request.POST.get("value"))
        raw_profile = request.POST.get("profile", "")
        if raw_profile and not raw_profile.isdigit():
            raise BadInput(
                gettext("profile=%(value)s is not a profile id") % {"value": raw_profile[:20]}
            )
        profile = foryou.current_profile(
            request.user, request.session, int(raw_profile) if raw_profile else None
        )
    except (BadInput, foryou.BadRating) as error:
        return _control_error(request, str(error))
    except foryou.NoSuchProfile as error:
        return _control_error(request, str(error), 404)
    except LookupError as error:
        return _control_error(request, str(error), 404)
    if profile is None:
        message = gettext("You have no interest profile to rate in: make a collection one.")
        return _control_error(request, message, 409)
    foryou.set_rating(profile, paper_id, value)
    if _wants_json(request):
        return JsonResponse(
            {"paper": paper_id, "profile": profile.pk, "profile_name": profile.name, "value": value}
        )
    return _back(request, paper_id)


@require_POST
@never_cache
@login_required
def read(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    """Mark a paper read (read=1) or unread (read=0)."""
    try:
        paper_id = _paper_id(arxiv_id)
        flag = request.POST.get("read", "1")
        if flag not in ("0", "1"):
            raise BadInput(gettext("read must be 1 (read) or 0 (unread)"))
    except BadInput as error:
        return _control_error(request, str(error))
    except LookupError as error:
        return _control_error(request, str(error), 404)
    done = foryou.set_read(request.user, paper_id, flag == "1")
    if _wants_json(request):
        return JsonResponse({"paper": paper_id, "read": done})
    return _back(request, paper_id)
