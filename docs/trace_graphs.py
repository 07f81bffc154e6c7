#!/usr/bin/env python3
"""Writes the traceability graphs page: for each section of the spec, each
requirement, the C symbols that implement it and the test that checks it, as
one Graphviz graph.  A requirement is filled by its evidence kind; a test's
border shows its result on each substrate when make conformance has left
build/report/conformance.json (else it is grey: not run for these docs).
Every node links to its page.  Usage: trace_graphs.py CSV OUT.md [CONFORMANCE].
Python 3 standard library only.
"""
import csv
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FILL = {"upstream": "#dbe9f6", "C API": "#eeeeee", "documented": "#d9f2d9",
        "observed on Windows": "#c6ecc6", "observed on Wine only": "#fff2cc",
        "model's choice": "#fde0cc"}
RESULT = {"pass": "#2e8b57", "deviation": "#e69500", "n/a": "#999999", "fail": "#cc0000",
          "not run": "#bbbbbb"}


def sections():
    """{requirement: (spec file, section heading)} from spec/*.md."""
    out = {}
    for name in ("iocp.md", "os.md"):
        heading = ""
        for line in open(os.path.join(ROOT, "spec", name), encoding="utf-8"):
            if line.startswith("## "):
                heading = line[3:].strip()
            m = re.match(r"^\\anchor (\S+)", line)
            if m:
                out[m.group(1)] = (name, heading)
    return out


def results(path):
    """{requirement: {substrate: result}} from make conformance, or {}."""
    if not path or not os.path.exists(path):
        return {}
    data = json.load(open(path, encoding="utf-8"))
    return {r["req_id"]: r["results"] for r in data["requirements"]}


def quote(text):
    return text.replace("\\", "\\\\").replace('"', '\\"')


def graph(rows, got):
    lines = ["\\dot", "digraph trace {", '  rankdir=LR; node [fontname="Helvetica", fontsize=10];',
             '  edge [color="#888888"];']
    done = set()
    for r in rows:
        rid = r["req_id"]
        lines.append(f'  "{rid}" [shape=box, style="rounded,filled", fillcolor="{FILL.get(r["evidence_kind"].split(" + ")[0], "#ffffff")}", '
                     f'URL="\\ref {rid}", tooltip="{quote(r["evidence_kind"])}"];')
        for sym in [s for s in r["c_symbol"].split(";") if s]:
            if sym not in done:
                lines.append(f'  "{sym}" [shape=box, fontname="Courier", URL="\\ref {sym}"];')
                done.add(sym)
            lines.append(f'  "{rid}" -> "{sym}";')
        test = r["cunit_function"]
        if test:
            res = got.get(rid, {})
            colours = [RESULT.get(v, "#bbbbbb") for v in res.values()] or ["#bbbbbb"]
            label = "\\n".join([quote(test)] + [quote(f"{k}: {v}") for k, v in res.items()])
            lines.append(f'  "{test}" [shape=ellipse, color="{":".join(colours)}", penwidth=2, '
                         f'label="{label}", URL="\\ref {test}"];')
            lines.append(f'  "{rid}" -> "{test}" [style=dashed];')
    lines += ["}", "\\enddot"]
    return "\n".join(lines)


def main(csv_path, out, conformance=None):
    rows = list(csv.DictReader(open(csv_path, encoding="utf-8")))
    where, got = sections(), results(conformance)
    groups = {}
    for r in rows:
        groups.setdefault(where.get(r["req_id"], ("", "other")), []).append(r)
    with open(out, "w", encoding="utf-8") as f:
        f.write("# Traceability graphs {#trace_graphs}\n\n"
                "Each section of the spec as a graph: requirement (filled by its evidence kind), "
                "the C symbols that implement it (solid edges) and its test (dashed).  ")
        f.write("Each test's border and label give its result per substrate, from the last "
                "`make conformance`.\n\n" if got else
                "No `make conformance` results were present when these docs were made, so tests "
                "are grey; run it, then `make docs`, to colour them by result.\n\n")
        f.write("Evidence: " + ", ".join(f'<span style="background:{c}">&nbsp;{k}&nbsp;</span>'
                                        for k, c in FILL.items()) + ".  Results: "
                + ", ".join(f'<span style="color:{c}">{k}</span>' for k, c in RESULT.items()) + ".\n\n")
        for (name, heading), group in groups.items():
            f.write(f"## {name}: {heading}\n\n{graph(group, got)}\n\n")
    print(f"docs: traceability graphs for {len(groups)} sections"
          f"{', with results' if got else ', without results (no make conformance yet)'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
