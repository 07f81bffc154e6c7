#!/usr/bin/env python3
"""Check a copy of mio against what the spec cites.

For users who have the mio 1.1.0 source (for example the crate under
~/.cargo/registry/src/*/mio-1.1.0): checks that src/sys/windows/iocp.rs has
the SHA-256 recorded in spec/README.md, then that every row of
traceability.csv cites a line range holding its Rust item (`rust_item` appears
on a line inside `mio_lines`).  Python 3 standard library only.
"""
import argparse
import csv
import hashlib
import os
import re
import sys

UPSTREAM = os.path.join("src", "sys", "windows", "iocp.rs")
RECORDED = re.compile(r"^\| its SHA-256 \| `([0-9a-f]{64})` \|", re.M)
RANGE = re.compile(r"^L(\d+)-(\d+)$")


def recorded_sha(readme):
    m = RECORDED.search(open(readme, encoding="utf-8").read())
    if not m:
        sys.exit(f"verify-upstream: no recorded SHA-256 in {readme}")
    return m.group(1)


def row_problem(row, lines):
    """None if the row's Rust item starts inside its range, else what is wrong."""
    first, last = map(int, RANGE.match(row["mio_lines"]).groups())
    item = row["rust_item"]
    if any(item in lines[n - 1] for n in range(first, min(last, len(lines)) + 1)):
        return None
    elsewhere = [str(n + 1) for n, text in enumerate(lines) if item in text]
    found = f"found at L{', L'.join(elsewhere[:3])}" if elsewhere else "not found in the file"
    return f"{row['req_id']}: `{item}` is not in {row['mio_lines']} ({found})"


def main():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mio-src", required=True, help="the mio-1.1.0 source directory")
    ap.add_argument("--csv", default=os.path.join(root, "traceability.csv"))
    ap.add_argument("--sha256", help="expected hash (default: the one in spec/README.md)")
    args = ap.parse_args()

    path = os.path.join(args.mio_src, UPSTREAM)
    try:
        data = open(path, "rb").read()
    except OSError as e:
        print(f"verify-upstream: cannot read {path}: {e.strerror}", file=sys.stderr)
        return 1
    expected = args.sha256 or recorded_sha(os.path.join(root, "spec", "README.md"))
    actual = hashlib.sha256(data).hexdigest()
    lines = data.decode("utf-8", errors="replace").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    # Requirements only the C API adds cite no upstream lines ("—").
    rows = [r for r in csv.DictReader(open(args.csv, encoding="utf-8")) if r["mio_lines"] != "—"]
    problems = [p for p in (row_problem(r, lines) for r in rows) if p]

    if actual != expected:
        print(f"verify-upstream: {path}: SHA-256 {actual} is not the recorded {expected} "
              f"({len(lines)} lines; mio 1.1.0's file has 282)", file=sys.stderr)
    if problems:
        print(f"verify-upstream: first mismatch: {problems[0]}", file=sys.stderr)
        for p in problems[1:]:
            print(f"verify-upstream: also: {p}", file=sys.stderr)
    if actual != expected or problems:
        print(f"verify-upstream: FAILED ({len(problems)} of {len(rows)} rows mismatched)",
              file=sys.stderr)
        return 1
    print(f"verify-upstream: OK; {path} has the recorded SHA-256 and all {len(rows)} "
          f"cited ranges hold their Rust items")
    return 0


if __name__ == "__main__":
    sys.exit(main())
