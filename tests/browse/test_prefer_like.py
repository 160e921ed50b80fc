"""The ❤ sort of a daily list with like= (the papers the reader read last): by cosine to
their mean embedding in semantic mode, else by the reader's keywords (kw=), over real records
embedded by the real MiniLM model (tests marked `semantic`).

The expected orders come from an oracle written here with NumPy over the stored vectors.
"""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest

from coolpapers.browse import listing
from coolpapers.interests.prefer import NEEDS_KEYWORDS, prefer_order
from coolpapers.papers.category_spec import parse_spec
from coolpapers.semantic import services
from coolpapers.semantic.models import PaperEmbedding

pytestmark = pytest.mark.django_db

BUSY_DAY = date(2025, 3, 18)  # cs.CV's list holds 50 papers that day: two pages
LIST = "/arxiv/cs.CV"
OFF_THE_LIST = "2503.17856"  # cs.CV, announced a week later
SEGMENTATION = "2503.12006"  # on the list


@pytest.fixture
def semantic(settings) -> None:
    settings.SEMANTIC = "auto"


def day() -> list[str]:
    return listing.day_ids(parse_spec("cs.CV"), BUSY_DAY)


def article_ids(html: str) -> list[str]:
    return re.findall(r'<article class="paper[^"]*" id="[^"]+" data-arxiv-id="([^"]+)"', html)


def chunk_url(html: str) -> str:
    return re.search(r'class="sentinel" hx-get="([^"]+)"', html).group(1).replace("&amp;", "&")


def prefer_params(**params: str) -> dict[str, str]:
    return {"date": BUSY_DAY.isoformat(), "sort": "prefer", **params}


def oracle(liked: list[str], ids: list[str]) -> list[str]:
    """The liked papers on the list with an embedding (list order), then the list's other
    embedded papers by cosine to the normalised mean of the liked embeddings (ties by id),
    then the papers without an embedding in list order."""
    stored = dict(PaperEmbedding.objects.values_list("paper_id", "vector"))

    def vector(pid: str) -> np.ndarray:
        return np.frombuffer(bytes(stored[pid]), dtype=np.float16).astype(np.float64)

    used = [pid for pid in liked if pid in stored]
    centre = np.mean([vector(pid) for pid in used], axis=0)
    centre /= np.linalg.norm(centre)
    first = [pid for pid in ids if pid in used]
    scored = sorted(
        ((pid, float(vector(pid) @ centre)) for pid in ids if pid in stored and pid not in used),
        key=lambda pair: (-pair[1], pair[0]),
    )
    last = [pid for pid in ids if pid not in stored]
    return [*first, *(pid for pid, _ in scored), *last]


@pytest.mark.semantic
def test_like_orders_the_whole_day_by_cosine_and_lazy_loading_keeps_it(client, papers, semantic):
    ids = day()
    unembedded = [ids[3], ids[17], ids[30], ids[44]]  # keep their arXiv order, at the end
    assert services.embed_papers([p for p in ids if p not in unembedded] + [OFF_THE_LIST]) == 47
    liked = [OFF_THE_LIST, SEGMENTATION]
    expected = oracle(liked, ids)
    assert expected[0] == SEGMENTATION and expected[-4:] == unembedded
    assert sorted(expected) == sorted(ids) and expected != ids

    # like= wins over kw= when it can be used; ids in any form.
    response = client.get(
        LIST, prefer_params(like=f"arXiv:{OFF_THE_LIST}v2,{SEGMENTATION}", kw="x")
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert article_ids(html) == expected[:25]
    assert 'aria-current="true">❤ my interests' in html
    assert '<input type="hidden" name="like" value="2503.17856,2503.12006">' in html
    query = parse_qs(urlsplit(chunk_url(html)).query)
    assert query["like"] == ["2503.17856,2503.12006"] and query["sort"] == ["prefer"]
    assert query["kw"] == ["x"]
    second = client.get(chunk_url(html))
    assert article_ids(second.content.decode()) == expected[25:]


@pytest.mark.semantic
def test_like_without_any_embedding_falls_back_to_the_keywords(client, index, semantic):
    ids = day()
    by_keywords = prefer_order(ids, ["segmentation"])
    assert by_keywords != ids

    html = client.get(LIST, prefer_params(like=SEGMENTATION, kw="segmentation")).content.decode()
    assert article_ids(html) == by_keywords[:25]

    alone = client.get(LIST, prefer_params(like=SEGMENTATION))
    assert alone.status_code == 400
    reason = alone.content.decode()
    assert NEEDS_KEYWORDS in reason
    assert "like= cannot order this list: none of these papers has an embedding yet" in reason


def test_in_bm25_mode_like_is_left_for_the_keywords(client, index, settings):
    settings.SEMANTIC = "off"
    ids = day()

    html = client.get(LIST, prefer_params(like=SEGMENTATION, kw="segmentation")).content.decode()
    assert article_ids(html) == prefer_order(ids, ["segmentation"])[:25]
    assert "data-semantic" not in html  # the script sends no like= here

    alone = client.get(LIST, prefer_params(like=SEGMENTATION))
    assert alone.status_code == 400
    assert "like= cannot order this list: semantic mode is off" in alone.content.decode()


@pytest.mark.semantic
def test_lists_tell_the_script_whether_to_send_like(client, papers, settings):
    settings.SEMANTIC = "auto"
    html = client.get(LIST, {"date": BUSY_DAY.isoformat()}).content.decode()
    link = r'<a class="prefer-link" href="[^"]+" data-prefer="[^"]+" data-interests="/interests"'
    assert re.search(link + ' data-semantic="1">', html)
    settings.SEMANTIC = "off"
    html = client.get(LIST, {"date": BUSY_DAY.isoformat()}).content.decode()
    assert "data-semantic" not in html


@pytest.mark.parametrize(
    ("like", "reason"),
    [
        ("2503.12006,paper", "like=: &#x27;paper&#x27; is not an arXiv id"),
        ("2513.00001", "has month 13"),
        (",".join(f"2503.{n:05d}" for n in range(10001, 10052)), "like= holds 51 ids; at most 50"),
    ],
)
def test_bad_like_values_are_a_400_with_the_reason(client, papers, like, reason):
    response = client.get(LIST, prefer_params(like=like, kw="segmentation"))
    assert response.status_code == 400
    assert reason in response.content.decode()
    chunk = client.get(f"{LIST}/chunk", prefer_params(like=like, kw="segmentation", page="2"))
    assert chunk.status_code == 400 and reason in chunk.content.decode()


def test_without_kw_or_like_the_400_is_unchanged(client, papers):
    response = client.get(LIST, prefer_params(like=" ", kw=""))
    assert response.status_code == 400
    assert NEEDS_KEYWORDS in response.content.decode()
    assert "like=" not in response.content.decode()
