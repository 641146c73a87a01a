"""Re-run validation over an existing reports.jsonl without crawling again.

    python -m gkspider.revalidate output/reports.jsonl [-o OUT] [--dataset-flags PATH]

Writes reports.revalidated.jsonl and dataset_flags.revalidated.jsonl beside the
input (never the input itself), and prints flag counts by rule before and after.
Flags validation cannot recompute from a line (the extractor's cell/shape flags,
and text.table_mismatch, whose text is not in the file) are carried over.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import jsonlines

from gkspider.validation.rules import (
    DATASET_RULES,
    EXTRACTION_RULES,
    RULES,
    cross_year_flags,
    validate_report,
)

CARRIED_RULES = EXTRACTION_RULES | {"text.table_mismatch"}

_dumps = functools.partial(json.dumps, ensure_ascii=False)


def read_lines(path: Path, errors: list[str]) -> Iterator[dict]:
    """Yield each JSON object line; a malformed line is noted in `errors` with its number and skipped."""
    with path.open(encoding="utf-8", errors="replace") as fp:
        for lineno, line in enumerate(fp, start=1):
            if not line.strip():
                continue
            try:
                yield jsonlines.Reader([line]).read(type=dict)
            except jsonlines.InvalidLineError as exc:
                errors.append(f"{path}:{lineno}: skipped malformed line ({exc.args[0] if exc.args else exc})")


def _flags(line: dict) -> list[dict]:
    validation = line.get("validation")
    flags = validation.get("flags") if isinstance(validation, dict) else None
    return [f for f in flags if isinstance(f, dict)] if isinstance(flags, list) else []


def revalidate_line(line: dict) -> dict:
    carried = [f for f in _flags(line) if f.get("rule") in CARRIED_RULES]
    return {**line, "validation": validate_report(line, carried_flags=carried)}


def _write_atomic(path: Path, rows: list[dict]) -> None:
    # A killed run must not leave a half-written file where a complete one is expected.
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fp, jsonlines.Writer(fp, dumps=_dumps) as writer:
            writer.write_all(rows)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _count_rules(flag_lists: list[list[dict]]) -> Counter[str]:
    return Counter(str(f.get("rule")) for flags in flag_lists for f in flags)


def format_counts(before: Counter[str], after: Counter[str]) -> str:
    index = {rule: i for i, rule in enumerate(RULES)}
    rules = sorted(set(before) | set(after), key=lambda r: (index.get(r, len(index)), r))
    lines = [f"{'rule':<28} {'before':>7} {'after':>7} {'change':>7}"]
    for rule in rules:
        b, a = before.get(rule, 0), after.get(rule, 0)
        lines.append(f"{rule:<28} {b:>7} {a:>7} {a - b:>+7}")
    lines.append(
        f"{'total':<28} {sum(before.values()):>7} {sum(after.values()):>7} {sum(after.values()) - sum(before.values()):>+7}"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gkspider.revalidate", description=__doc__.splitlines()[0])
    parser.add_argument("input", type=Path, help="an existing reports.jsonl")
    parser.add_argument("-o", "--output", type=Path, help="default: reports.revalidated.jsonl beside the input")
    parser.add_argument("--dataset-flags", type=Path, help="default: dataset_flags.revalidated.jsonl beside the output")
    args = parser.parse_args(argv)

    src: Path = args.input
    if not src.is_file():
        print(f"error: {src} is not a file", file=sys.stderr)
        return 2
    out: Path = args.output or src.with_name("reports.revalidated.jsonl")
    ds_out: Path = args.dataset_flags or out.with_name("dataset_flags.revalidated.jsonl")
    for target in (out, ds_out):
        if target.resolve() == src.resolve():
            print(f"error: refusing to overwrite the input {src}", file=sys.stderr)
            return 2

    errors: list[str] = []
    lines = list(read_lines(src, errors))
    for message in errors:
        print(message, file=sys.stderr)
    revalidated = [revalidate_line(line) for line in lines]
    dataset = cross_year_flags(revalidated)
    _write_atomic(out, revalidated)
    _write_atomic(ds_out, dataset)

    before = _count_rules([_flags(line) for line in lines])
    old_dataset = src.with_name("dataset_flags.jsonl")
    if old_dataset.is_file():
        before += Counter(str(f.get("rule")) for f in read_lines(old_dataset, []) if f.get("rule") in DATASET_RULES)
    after = _count_rules([_flags(line) for line in revalidated]) + Counter(f["rule"] for f in dataset)

    status_before = Counter(
        str(line["validation"].get("status")) if isinstance(line.get("validation"), dict) else "none" for line in lines
    )
    status_after = Counter(line["validation"]["status"] for line in revalidated)
    print(f"{len(lines)} report(s) revalidated, {len(errors)} malformed line(s) skipped")
    print(f"wrote {out} and {ds_out} ({len(dataset)} dataset flag(s))")
    print("status before: " + (", ".join(f"{k} {v}" for k, v in sorted(status_before.items())) or "(none)"))
    print("status after:  " + (", ".join(f"{k} {v}" for k, v in sorted(status_after.items())) or "(none)"))
    print(format_counts(before, after))
    return 0


if __name__ == "__main__":
    sys.exit(main())
