#!/usr/bin/env python3
"""Writes the traceability matrix page from traceability.csv, every cell an explicit
\\ref so that Doxygen checks each link (an unknown ID, symbol or test fails the build).
Usage: matrix.py CSV OUT.md [CHECKS]: CHECKS is trace-check's summary line, which
says what was checked and what was not.  Python 3 standard library only."""
import csv
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests", "tools"))
import traceability  # noqa: E402  (the spec's requirement sentences)

UPSTREAM = "https://github.com/tokio-rs/mio/blob/v1.1.0/src/sys/windows/iocp.rs"


LOCATION = re.compile(r"((?:src|tests)/[\w/.-]+\.[ch]):(\d+)(?:-\d+)?")


def source_page(path):
    """The page of Doxygen's listing of `path` (its name escaped as Doxygen escapes it)."""
    name = os.path.basename(path).replace("_", "__").replace(".", "_8")
    return f"{name}_source.html"


def source_links(text):
    """Each file:line in `text` as a link that opens the source listing at that line."""
    return LOCATION.sub(lambda m: f'<a href="{source_page(m.group(1))}#l{int(m.group(2)):05d}">'
                        f"{m.group(0)}</a>", text)


def refs(cell):
    return ", ".join(f"\\ref {x}" for x in cell.split(";") if x) or "—"


def row(r, sentence):
    """One requirement: its sentence under the ID, so the row reads without the spec page;
    the full evidence and the design-document section are on the spec page the ID links to."""
    mio = "C API"
    if r["mio_lines"] != "—":
        first, last = r["mio_lines"][1:].split("-")
        mio = f"<a href=\"{UPSTREAM}#L{first}-L{last}\">{r['mio_lines']}</a>"
    where = source_links(r["c_location"].replace(";", "<br>"))
    text = sentence.replace("|", "\\|")
    return (f"| \\ref {r['req_id']} \"{r['req_id']}\"<br>{text} | {r['kind']}<br>*{r['evidence_kind']}* | "
            f"{mio} | {refs(r['c_symbol'])}<br><small>{where}</small> | {refs(r['cunit_function'])} | "
            f"{proof(r)} |\n")


def proof(r):
    """The clauses that formalise the requirement: proved in src/, assumed in tests/proof/."""
    return source_links("<br>".join(r.get("proof", "").split(";"))) or "—"


def main(src, out, checks=None):
    rows = list(csv.DictReader(open(src, encoding="utf-8")))
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    sentences = {rid: r["text"] for rid, r in traceability.read_spec(root, traceability.Problems()).items()}
    try:
        status = open(checks, encoding="utf-8").read().strip() if checks else ""
    except OSError:
        status = ""
    status = status or "trace-check did not run before this page was made: nothing checked the matrix."
    with open(out, "w", encoding="utf-8") as f:
        f.write("# Traceability matrix {#traceability}\n\n")
        f.write(f"Generated from `traceability.csv` ({len(rows)} requirements): each requirement "
                "with its sentence, its kind and the kind of evidence it rests on, the upstream "
                "lines, the C symbol that implements it and where, and the CUnit test that checks "
                "it.  The ID opens the requirement in the spec, with its design-document section "
                "and its evidence in full.  *proof* names the ACSL clauses that formalise "
                "it: *proved* in `src/iocp.c` (`make prove` proves every one with Frama-C WP), or "
                "*assumed* of the OS in `tests/proof/os_assumptions.h`.\n\n")
        f.write(f"What the checker verified when this page was made: `{status}`\n\n")
        f.write("| requirement | kind, evidence | mio v1.1.0 | implemented by | tested by | proof |\n")
        f.write("|---|---|---|---|---|---|\n")
        f.writelines(row(r, sentences.get(r["req_id"], "")) for r in rows)


if __name__ == "__main__":
    main(*sys.argv[1:4])
