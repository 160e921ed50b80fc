"""The library's pages: the reader's collections, one collection's papers with notes, import
and export, the read-only shared page, and the save page behind every card's [Save] when
scripts are off.

Every form posts back to a page that shows what was refused beside the field with a 400;
another reader's collection is a 404, exactly like a missing one.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from coolpapers.browse import listing
from coolpapers.library import citations, services
from coolpapers.library.models import Collection, ReadMark, SavedPaper, ensure_default
from coolpapers.papers.arxiv_ids import InvalidArxivId, parse_arxiv_id
from coolpapers.papers.models import Paper
from coolpapers.ranking import profiles
from coolpapers.rendering.markdown import render_markdown

PAGE_SIZE = 25
SORTS = ("added", "date")


def _collection(request: HttpRequest, pk: int) -> Collection:
    collection = services.owned(request.user, pk)
    if collection is None:
        raise Http404("No such collection of yours.")
    return collection


def request_training(collection: Collection) -> None:
    """Retrain the profile after a bulk change (bulk_create sends no signals)."""
    profiles.request_training(collection.pk)


def _redirect(url: str, *, fragment: str = "") -> HttpResponseRedirect:
    return HttpResponseRedirect(f"{url}#{fragment}" if fragment else url)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def collections(request: HttpRequest) -> HttpResponse:
    """The reader's collections with their counts, and a form to make one."""
    errors: dict[str, str] = {}
    values = {"name": "", "is_profile": True}
    if request.method == "POST":
        values = {"name": request.POST.get("name", ""), "is_profile": "is_profile" in request.POST}
        try:
            created = services.create_collection(
                request.user, values["name"], is_profile=values["is_profile"]
            )
        except services.LibraryError as error:
            errors[error.field] = error.message
        else:
            return _redirect(reverse("library:collection", args=[created.pk]))
    ensure_default(request.user)
    context = {
        "collections": list(services.collections_of(request.user)),
        "errors": errors,
        "values": values,
    }
    return render(
        request, "personal/library/collections.html", context, status=400 if errors else 200
    )


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("page", "1")))
    except ValueError:
        return 1


def _unread_only(request: HttpRequest) -> tuple[bool, str]:
    """The "unread only" filter (`unread=1`; `0` or nothing: every paper) and, for any other
    value, the reason it was refused."""
    raw = request.GET.get("unread", "")
    if raw in ("", "0", "1"):
        return raw == "1", ""
    return False, _(
        "unread=%(value)s is not a filter: use unread=1 for the unread papers only, "
        "or leave it out for all of them."
    ) % {"value": raw[:20]}


def _query(sort: str, unread: bool = False) -> str:
    """The page's own parameters (page number aside), for its links and forms."""
    params = {}
    if sort != "added":
        params["sort"] = sort
    if unread:
        params["unread"] = "1"
    return urlencode(params)


def _items_page(
    collection: Collection, sort: str, number: int, reader=None, *, unread: bool = False
):
    """A page of the collection's papers; with `reader`, each with its read mark, read in the
    page's own query (an EXISTS per row), never a query per card."""
    items = services.ordered_items(collection, sort)
    if reader is not None:
        marks = ReadMark.objects.filter(owner=reader, paper_id=OuterRef("paper_id"))
        items = items.annotate(is_read=Exists(marks))
        if unread:
            items = items.filter(is_read=False)
    paginator = Paginator(items, PAGE_SIZE)
    try:
        page = paginator.page(number)
    except (EmptyPage, PageNotAnInteger):
        page = paginator.page(paginator.num_pages)
    items = list(page.object_list)
    entries = {
        entry.paper.pk: entry for entry in listing.paper_entries([i.paper_id for i in items])
    }
    rows = [
        {
            "item": item,
            "entry": entries[item.paper_id],
            "note_html": render_markdown(item.note) if item.note else "",
            "number": page.start_index() + i,
            "read": getattr(item, "is_read", False),
        }
        for i, item in enumerate(items)
        if item.paper_id in entries
    ]
    return page, rows


def _collection_page(
    request: HttpRequest,
    collection: Collection,
    *,
    errors: dict[str, str] | None = None,
    values: dict | None = None,
    report: services.ImportReport | None = None,
    status: int = 200,
) -> HttpResponse:
    sort = request.GET.get("sort", "added")
    if sort not in SORTS:
        sort = "added"
    unread, refused = _unread_only(request)
    if refused:
        errors = {**(errors or {}), "unread": refused}
        status = 400
    page, rows = _items_page(collection, sort, _page_number(request), request.user, unread=unread)
    for row in rows:
        row["note_error"] = (errors or {}).get(f"note-{row['item'].paper_id}")
    shown = page.paginator.count
    count = SavedPaper.objects.filter(collection=collection).count() if unread else shown
    query = _query(sort, unread)
    here = reverse("library:collection", args=[collection.pk])
    paged = "&".join(filter(None, [query, f"page={page.number}" if page.number > 1 else ""]))
    if paged:
        here += "?" + paged
    share_url = (
        request.build_absolute_uri(reverse("library:shared", args=[collection.share_token]))
        if collection.share_token
        else None
    )
    context = {
        "collection": collection,
        "rows": rows,
        "page": page,
        "count": count,
        "sort": sort,
        "unread": unread,
        "shown": shown,
        "query": query,
        "here": here,
        "links": {
            "added": "?sort=added" + ("&unread=1" if unread else ""),
            "date": "?sort=date" + ("&unread=1" if unread else ""),
            "all": f"?sort={sort}",
            "unread": f"?sort={sort}&unread=1",
        },
        "errors": errors or {},
        "values": values
        or {
            "name": collection.name,
            "description": collection.description,
            "keywords": collection.keywords,
            "is_profile": collection.is_profile,
        },
        "report": report,
        "share_url": share_url,
        "digest_url": reverse("digests:settings", args=[collection.pk]),
        "max_import_mb": citations.MAX_IMPORT_BYTES // 1048576,
    }
    return render(request, "personal/library/collection.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def collection(request: HttpRequest, pk: int) -> HttpResponse:
    """One collection: its papers as cards with notes; POST changes its settings."""
    current = _collection(request, pk)
    if request.method == "POST":
        values = {
            "name": request.POST.get("name", ""),
            "description": request.POST.get("description", ""),
            "keywords": request.POST.get("keywords", ""),
            "is_profile": "is_profile" in request.POST,
        }
        try:
            services.update_collection(current, values)
        except services.LibraryError as error:
            current.refresh_from_db()
            return _collection_page(
                request, current, errors={error.field: error.message}, values=values, status=400
            )
        return _redirect(reverse("library:collection", args=[current.pk]), fragment="settings")
    return _collection_page(request, current)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm, then delete the collection with its papers, notes and ratings."""
    current = _collection(request, pk)
    count = SavedPaper.objects.filter(collection=current).count()
    if request.method == "POST":
        current.delete()
        return _redirect(reverse("library:collections"))
    return render(request, "personal/library/delete.html", {"collection": current, "count": count})


@login_required
@require_POST
def share(request: HttpRequest, pk: int) -> HttpResponse:
    """Make the read-only link, or revoke it (`action=revoke`)."""
    current = _collection(request, pk)
    if request.POST.get("action") == "revoke":
        services.unshare(current)
    else:
        services.share(current)
    return _redirect(reverse("library:collection", args=[current.pk]), fragment="share")


@login_required
@require_POST
def import_file(request: HttpRequest, pk: int) -> HttpResponse:
    """Add the papers of an uploaded .bib or .ris file; the page reports what matched."""
    current = _collection(request, pk)
    upload = request.FILES.get("file")
    if upload is None:
        return _collection_page(
            request, current, errors={"file": _("Choose a .bib or .ris file.")}, status=400
        )
    if upload.size > citations.MAX_IMPORT_BYTES:
        message = _("The file is too big: at most %(mb)d MB can be imported at once.") % {
            "mb": citations.MAX_IMPORT_BYTES // 1048576
        }
        return _collection_page(request, current, errors={"file": message}, status=400)
    try:
        references = citations.read_file(upload.name or "", upload.read())
    except citations.CitationError as error:
        return _collection_page(request, current, errors={"file": str(error)}, status=400)
    report = services.import_references(current, references)
    if report.added:
        request_training(current)
    return _collection_page(request, current, report=report)


@login_required
def export(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    current = _collection(request, pk)
    body, media, filename = services.export_file(current, kind)
    response = HttpResponse(body, content_type=f"{media}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _paper(raw: str) -> Paper:
    try:
        arxiv_id = parse_arxiv_id(raw).id
    except InvalidArxivId as exc:
        raise Http404(str(exc)) from exc
    paper = Paper.objects.filter(pk=arxiv_id).first()
    if paper is None:
        raise Http404(f"Paper {arxiv_id} is not in our database.")
    return paper


@login_required
@require_POST
def note(request: HttpRequest, pk: int, arxiv_id: str) -> HttpResponse:
    """Set the note of a saved paper (Markdown with LaTeX)."""
    current = _collection(request, pk)
    item = SavedPaper.objects.filter(collection=current, paper=_paper(arxiv_id)).first()
    if item is None:
        raise Http404("That paper is not in this collection.")
    try:
        services.save_paper(current, item.paper, request.POST.get("note", ""))
    except services.LibraryError as error:
        return _collection_page(
            request, current, errors={f"note-{item.paper_id}": error.message}, status=400
        )
    url = reverse("library:collection", args=[current.pk])
    query = request.GET.urlencode()
    return _redirect(f"{url}?{query}" if query else url, fragment=f"saved-{item.pk}")


@login_required
@require_POST
def remove(request: HttpRequest, pk: int, arxiv_id: str) -> HttpResponse:
    current = _collection(request, pk)
    services.remove_paper(current, _paper(arxiv_id).pk)
    url = reverse("library:collection", args=[current.pk])
    query = request.GET.urlencode()
    return _redirect(f"{url}?{query}" if query else url)


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def save(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    """Choose the collections that hold a paper (and make a new one): the no-script [Save]."""
    paper = _paper(arxiv_id)
    paper_url = reverse("browse:paper", args=[paper.pk])
    ensure_default(request.user)
    mine = list(services.collections_of(request.user))
    held = services.saved_collections(request.user, [paper.pk]).get(paper.pk, set())
    errors: dict[str, str] = {}
    new_name = ""
    if request.method == "POST":
        chosen: set[int] = set()
        for value in request.POST.getlist("collection"):
            try:
                chosen.add(int(value))
            except ValueError:
                errors["collection"] = _("Choose among your own collections.")
        new_name = request.POST.get("new_name", "").strip()
        try:
            if new_name:
                chosen.add(services.create_collection(request.user, new_name).pk)
            if not errors:
                services.set_membership(request.user, paper, chosen)
        except services.LibraryError as error:
            errors["new_name" if error.field == "name" else error.field] = error.message
        if not errors:
            return _redirect(_safe_next(request, paper_url))
        held = chosen
    context = {
        "paper": paper,
        "collections": mine,
        "held": held,
        "errors": errors,
        "new_name": new_name,
        "next": _safe_next(request, paper_url),
    }
    return render(request, "personal/library/save.html", context, status=400 if errors else 200)


@require_http_methods(["GET", "HEAD"])
def shared(request: HttpRequest, token: str) -> HttpResponse:
    """A collection's papers, read-only, for whoever has the link; notes stay private."""
    current = services.shared(token)
    if current is None:
        raise Http404("This link does not exist or was revoked.")
    sort = request.GET.get("sort", "added")
    if sort not in SORTS:
        sort = "added"
    page, rows = _items_page(current, sort, _page_number(request))
    context = {
        "collection": current,
        "rows": rows,
        "page": page,
        "sort": sort,
        "query": _query(sort),
        "token": token,
    }
    response = render(request, "personal/library/shared.html", context)
    response["Cache-Control"] = "private, no-cache"
    response["X-Robots-Tag"] = "noindex"
    return response
