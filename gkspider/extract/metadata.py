"""The metadata block (索引号, 发布机构, 文号, 分类, dates, 名称) in any of its layouts.

Layouts seen: a table of label/value cells (labels spaced with &nbsp; or full-width spaces), label: value rows,
`<li><span>label</span><p>value</p></li>`, several pairs on one line of text, short labels whose first characters a
template hid ('号:', '称:'), and page <meta> tags where there is no block.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from itertools import compress

from gkspider.extract.dates import parse_date
from gkspider.extract.document import Document
from gkspider.extract.labels import label_data, metadata_labels
from gkspider.extract.text import TEXT_CACHE_ENTRIES, clean, label_key

_MAX_PAIR_TOKEN = 120  # longer tokens are prose; labels inside them are not metadata


@cache
def _label_regex() -> re.Pattern[str]:
    variants = {v for vs in label_data()["metadata"].values() for v in vs}
    spaced = sorted({label_key(v) for v in variants}, key=len, reverse=True)
    alternatives = "|".join("[ \u3000\xa0]*".join(map(re.escape, v)) for v in spaced)
    short = "|".join(map(re.escape, label_data()["metadata_short_labels"].keys() - {"_comment"}))
    # A label starts the token or follows a space, and is followed by a colon, a space or the end.
    return re.compile(
        rf"(?:(?<=\s)|^)(?:(?P<label>{alternatives})[ \u3000\xa0]*(?:[:：][ \u3000\xa0]*|(?=\s)|$)"
        rf"|(?P<short>{short})[ \u3000\xa0]*[:：][ \u3000\xa0]*)"
    )


_DOC_NO = re.compile(r"[〔\[（(【]\s*(?:19|20)\d{2}\s*[〕\]）)】]|第?\d+号$|字\s*\d+\s*号")
_INDEX_SHAPE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z\-/._·]*$")
_EMPTY_PLACEHOLDER = re.compile(r"^[\s〔〕\[\]（）()【】号无/\\\-—_]*$")


@lru_cache(maxsize=TEXT_CACHE_ENTRIES)
def _pairs_in_token(text: str) -> tuple[tuple[str, str], ...]:
    """('field', 'value') for every label in a token; the value runs to the next label."""
    regex = _label_regex()
    matches = list(regex.finditer(text))
    if not matches:
        return ()
    if matches[0].start() != 0 and text[: matches[0].start()].strip():
        return ()  # the token does not start with a label: prose that happens to contain one
    labels = metadata_labels()
    short = label_data()["metadata_short_labels"]
    out = []
    for n, m in enumerate(matches):
        end = matches[n + 1].start() if n + 1 < len(matches) else len(text)
        value = clean(text[m.end() : end])
        field = labels.get(label_key(m["label"])) if m["label"] else short.get(m["short"])
        if field:
            out.append((field, value))
    return tuple(out)


def _assign(found: dict[str, str], field: str, value: str) -> None:
    if field == "index_no_or_doc_no":
        # '号:' is 索引号 or 文号: decide by the value's shape, and drop a value that is neither (a title below it).
        if _DOC_NO.search(value):
            field = "doc_no"
        elif _INDEX_SHAPE.match(value) and "index_no" not in found:
            field = "index_no"
        else:
            return
    if value and field not in found:
        found[field] = value


def raw_metadata(doc: Document) -> dict[str, str]:
    """Label -> value as published (first occurrence wins), fields named as in the label table."""
    found: dict[str, str] = {}
    texts, _, _, containers = doc.columns
    # The pairs of each distinct text (a page repeats its cell texts), then only the tokens that hold labels are
    # visited, in order: the same as walking every token, where a token without pairs only matters as the value of
    # a label left without one just before it.
    pairs_of = {text: _pairs_in_token(text) for text in set(texts) if text and len(text) <= _MAX_PAIR_TOKEN}
    with_pairs = {text for text, pairs in pairs_of.items() if pairs}
    for i in compress(range(len(texts)), map(with_pairs.__contains__, texts)):
        pairs = pairs_of[texts[i]]
        for field, value in pairs:
            _assign(found, field, value)
        last_field, last_value = pairs[-1]
        if last_value or i + 1 == len(texts):
            continue
        # A label without its value: the value is the next token, if it is in the same block (or, read line by
        # line, looks like a value) and holds no label itself.
        text = texts[i + 1]
        if text not in pairs_of or pairs_of[text]:
            continue  # empty, too long to pair, or labels of its own
        if containers[i + 1] == containers[i] or (doc.line_mode and _value_shaped(text)):
            _assign(found, last_field, text)
    return found


def _value_shaped(text: str) -> bool:
    """On a line of its own, a value is short and is no sentence."""
    return len(text) <= 60 and not re.search(r"[。，；,;]", text)


def _null_if_placeholder(value: str | None) -> str | None:
    if value is None:
        return None
    value = clean(value)
    return None if _EMPTY_PLACEHOLDER.match(value) else value


def extract_metadata(doc: Document) -> dict[str, str | None]:
    """The contract's metadata fields: index_no, organ, doc_no, category, publish_date, written_date, and the
    title stated in the block (名称), as raw strings/ISO dates or None."""
    raw = raw_metadata(doc)
    meta_tags = doc.meta
    tag_names = label_data()["meta_tags"]

    def from_tags(field: str) -> str | None:
        for name in tag_names.get(field, ()):
            value = meta_tags.get(name.lower())
            if value:
                return value
        return None

    publish = parse_date(raw.get("publish_date")) or parse_date(from_tags("publish_date"))
    return {
        "index_no": _null_if_placeholder(raw.get("index_no") or from_tags("index_no")),
        "organ": _null_if_placeholder(raw.get("organ") or from_tags("organ")),
        "doc_no": _null_if_placeholder(raw.get("doc_no")),
        "category": _null_if_placeholder(raw.get("category")),
        "publish_date": publish,
        "written_date": parse_date(raw.get("written_date")),
        "block_title": _null_if_placeholder(raw.get("title")),
        "tag_title": from_tags("title"),
        "source": _null_if_placeholder(raw.get("source")),
    }
