"""The crawl's seen-sets (issue 8): a SeenSet answers as a set would, before and after it moves to disk, and holds
a bounded number of Python objects; the dupefilter built on it reads and writes Scrapy's requests.seen."""

from __future__ import annotations

import gc
import hashlib
import random
import tracemalloc
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.dupefilters import RFPDupeFilter
from scrapy.utils.test import get_crawler

from gkspider.middlewares import SeenSetDupeFilter
from gkspider.seen import SeenSet


def _keys(n: int, seed: int) -> list[bytes | str]:
    rng = random.Random(seed)
    keys: list[bytes | str] = []
    for _ in range(n):
        i = rng.randrange(n // 2)  # about half the keys come again
        keys.append(f"http://www.p{i % 97}.gov.cn/art/{i}.html" if i % 3 else hashlib.sha1(str(i).encode()).digest())
    return keys


@pytest.mark.parametrize("memory_limit", [10**9, 50, 0], ids=["memory", "spills", "disk-from-the-start"])
def test_answers_as_a_set_does(memory_limit: int) -> None:
    seen, plain = SeenSet(memory_limit=memory_limit), set()
    keys = _keys(2000, seed=memory_limit)
    for key in keys:
        assert seen.add(key) == (key not in plain), key
        plain.add(key)
        assert key in seen
    assert len(seen) == len(plain)
    for key in _keys(500, seed=99):  # some seen, some not
        assert (key in seen) == (key in plain), key
    assert seen.on_disk == (memory_limit < len(plain))
    assert seen.spilled == seen.on_disk
    assert 12345 not in seen  # not a key type: never seen, on disk or not
    seen.close()
    assert not seen and "http://www.p1.gov.cn/art/1.html" not in seen
    assert seen.spilled == (memory_limit < len(plain))


def test_update_and_construction_from_keys() -> None:
    keys = [f"k{i}" for i in range(300)] * 2
    seen = SeenSet(keys, memory_limit=100)
    assert len(seen) == 300 and seen.on_disk and all(k in seen for k in keys)
    seen.update(["k0", "new"])
    assert len(seen) == 301


def test_python_memory_stops_growing_once_on_disk() -> None:
    keys = [hashlib.blake2b(str(i).encode(), digest_size=16).digest() for i in range(60_000)]

    def retained(memory_limit: int) -> int:
        gc.collect()
        tracemalloc.start()
        try:
            seen = SeenSet(keys, memory_limit=memory_limit)
            size = tracemalloc.get_traced_memory()[0]
            assert len(seen) == len(keys)
            seen.close()
            return size
        finally:
            tracemalloc.stop()

    in_memory, on_disk = retained(10**9), retained(1000)
    assert in_memory > 2_000_000  # ~50 bytes a key in a plain set
    assert on_disk < in_memory / 20, (on_disk, in_memory)


# ---------------------------------------------------------------- the dupefilter


def _requests(n: int) -> list[Request]:
    return [Request(f"http://www.xjwqx.gov.cn/xxgk/{i}.html") for i in range(n)]


@pytest.mark.parametrize("memory_limit", [20_000, 3], ids=["memory", "disk"])
def test_dupefilter_filters_and_resumes_from_requests_seen(tmp_path: Path, memory_limit: int) -> None:
    crawler = get_crawler(settings_dict={"JOBDIR": str(tmp_path), "GKSPIDER_SEEN_IN_MEMORY": memory_limit})
    first = SeenSetDupeFilter.from_crawler(crawler)
    assert first._fingerprints.memory_limit == memory_limit
    assert [first.request_seen(r) for r in _requests(10)] == [False] * 10
    assert [first.request_seen(r) for r in _requests(12)] == [True] * 10 + [False] * 2
    first.close("shutdown")

    # a resumed crawl knows the 12, and stock Scrapy reads the same file
    again = SeenSetDupeFilter.from_crawler(crawler)
    assert [again.request_seen(r) for r in _requests(13)] == [True] * 12 + [False]
    again.close("finished")
    stock = RFPDupeFilter(str(tmp_path))
    assert [stock.request_seen(r) for r in _requests(14)] == [True] * 13 + [False]
    stock.close("finished")


def test_dupefilter_reads_a_file_cut_short_by_a_hard_kill(tmp_path: Path) -> None:
    stock = RFPDupeFilter(str(tmp_path))
    for request in _requests(5):
        stock.request_seen(request)
    stock.close("finished")
    seen_file = tmp_path / "requests.seen"
    seen_file.write_bytes(seen_file.read_bytes()[:-7])  # the last record half written
    crawler = get_crawler(settings_dict={"JOBDIR": str(tmp_path)})
    resumed = SeenSetDupeFilter.from_crawler(crawler)
    assert [resumed.request_seen(r) for r in _requests(5)] == [True] * 4 + [False]
    resumed.close("finished")


def test_the_project_uses_it() -> None:
    from scrapy.utils.project import get_project_settings

    assert get_project_settings().get("DUPEFILTER_CLASS") == "gkspider.middlewares.SeenSetDupeFilter"
