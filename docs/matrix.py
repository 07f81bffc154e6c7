#!/usr/bin/env python3
"""Writes the traceability matrix page from traceability.csv, every cell an explicit
\\ref so that Doxygen checks each link (an unknown ID, symbol or test fails the build).
Usage: matrix.py CSV OUT.md [CHECKS]: CHECKS is trace-check's summary line, which
says what was checked and what was not.  Python 3 standard library only."""
import csv
import sys

UPSTREAM = "https://github.com/tokio-rs/mio/blob/v1.1.0/src/sys/windows/iocp.rs"


def refs(cell):
    return ", ".join(f"\\ref {x}" for x in cell.split(";") if x) or "—"


def row(r):
    mio = "— (C API only)"
    if r["mio_lines"] != "—":
        first, last = r["mio_lines"][1:].split("-")
        mio = f"<a href=\"{UPSTREAM}#L{first}-L{last}\">{r['mio_lines']}</a>"
    where = r["c_location"].replace(";", ", ") or "—"
    evidence = f"*{r['evidence_kind']}*: {r['evidence']}".replace("|", "\\|")
    return (f"| \\ref {r['req_id']} \"{r['req_id']}\" | {r['kind']} | {evidence} | {r['seed_section']} | "
            f"{mio} | {refs(r['c_symbol'])} | {where} | {refs(r['cunit_function'])} | {proof(r)} |\n")


def proof(r):
    """The clauses that formalise the requirement: proved in src/, assumed in tests/proof/."""
    return "<br>".join(r.get("proof", "").split(";")) or "—"


def main(src, out, checks=None):
    rows = list(csv.DictReader(open(src, encoding="utf-8")))
    try:
        status = open(checks, encoding="utf-8").read().strip() if checks else ""
    except OSError:
        status = ""
    status = status or "trace-check did not run before this page was made: nothing checked the matrix."
    with open(out, "w", encoding="utf-8") as f:
        f.write("# Traceability matrix {#traceability}\n\n")
        f.write(f"Generated from `traceability.csv` ({len(rows)} requirements): each requirement, "
                "its kind, the design-document section, the upstream lines, the C symbol that "
                "implements it, where, and the CUnit test that checks it, with the evidence each "
                "requirement rests on and its kind.  *proof* names the ACSL clauses that formalise "
                "it: *proved* in `src/iocp.c` (`make prove` proves every one with Frama-C WP), or "
                "*assumed* of the OS in `tests/proof/os_assumptions.h`.\n\n")
        f.write(f"What the checker verified when this page was made: `{status}`\n\n")
        f.write("| requirement | kind | evidence | design document | mio v1.1.0 | implemented by | at | tested by | proof |\n")
        f.write("|---|---|---|---|---|---|---|---|---|\n")
        f.writelines(row(r) for r in rows)


if __name__ == "__main__":
    main(*sys.argv[1:4])
