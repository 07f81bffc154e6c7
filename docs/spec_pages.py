#!/usr/bin/env python3
"""Writes the spec pages the docs show: spec/*.md, each requirement followed by
links to the C that implements it and the test that checks it.

The links come from traceability.csv (which make trace-check keeps current),
so the spec itself is never edited by hand to carry them.  The copies go to
build/docs/gen/spec/.  Usage: spec_pages.py CSV OUTDIR.  Stdlib only.
"""
import csv
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "docs"))
from matrix import source_links  # noqa: E402  (file:line as a link into the listing)
EVIDENCE = re.compile(r"^<br>evidence: ")
ATTRIBUTES = re.compile(r"^<br>\*(invariant|descriptive|not code)\* · seed: ")
KIND = re.compile(r"\*(invariant|descriptive|not code|upstream|C API|documented|observed on Windows|"
                  r"observed on Wine only|model's choice)\*")
INTRO = ("Each requirement below has its sentence, then its kind, the section of the design "
         "document it comes from, the mio lines and the Rust item, then its evidence; "
         "\\ref spec_reads \"how a requirement reads\" says what each word means, and "
         "each kind below links there.")


def reader_words(line):
    """An attribute or evidence line as a reader gets it: each kind a link to its meaning,
    `seed:` (the spec's own word) as "design document:"."""
    if ATTRIBUTES.match(line):
        line = line.replace(" · seed: ", " · design document: ", 1)
    if ATTRIBUTES.match(line) or EVIDENCE.match(line) or line.startswith("<br>*"):
        line = KIND.sub(lambda m: f'\\ref spec_reads "{m.group(1)}"', line)
    return line


def links(r):
    code = ", ".join(f"\\ref {s}" for s in r["c_symbol"].split(";") if s)
    if r["c_location"]:
        code += " (" + source_links(r["c_location"].replace(";", ", ")) + ")"
    test = f"\\ref {r['cunit_function']}" if r["cunit_function"] else ""
    parts = [f"code: {code}" if code else "", f"test: {test}" if test else ""]
    return "<br>" + " · ".join(p for p in parts if p) if any(parts) else ""


def main(csv_path, out_dir):
    rows = {r["req_id"]: r for r in csv.DictReader(open(csv_path, encoding="utf-8"))}
    os.makedirs(out_dir, exist_ok=True)
    added = 0
    for name in sorted(os.listdir(os.path.join(ROOT, "spec"))):
        if not name.endswith(".md"):
            continue
        out, current, intro = [], None, name != "README.md"
        for line in open(os.path.join(ROOT, "spec", name), encoding="utf-8").read().split("\n"):
            m = re.match(r"^\\anchor (\S+)", line)
            if m:
                current = m.group(1)
            out.append(reader_words(line))
            if intro and line.startswith("# "):
                out += ["", INTRO]
                intro = False
            if current and EVIDENCE.match(line) and current in rows:
                extra = links(rows[current])
                if extra:
                    out.append(extra)
                    added += 1
                current = None
        with open(os.path.join(out_dir, name), "w", encoding="utf-8") as f:
            f.write("\n".join(out))
    print(f"docs: spec pages with code and test links for {added} requirements")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
