#!/usr/bin/env python3
"""The conformance report: each requirement with its code, its test and its results.

Joins traceability.csv, the requirement sentences of spec/ and, for each
substrate, CUnit's XML results (PREFIX-Results.xml from `runner --xml PREFIX`)
and the runner's notes (PREFIX-Notes.tsv: known deviations, requirements the
substrate cannot check).  Prints one line per requirement (ID, C symbol, result
on each substrate) and the totals, and writes conformance.md and
conformance.json.  A result is PASS, FAIL, NOT RUN, DEVIATION (passed, asserting
the substrate's documented deviation from Windows) or N/A (not checkable there;
the tests of suites `model` and `resources` check the model's own extensions
and resources).  Exits 1 if an
invariant failed or did not run on any substrate.  Python 3 standard library only.
"""
import argparse
import csv
import json
import os
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import traceability  # noqa: E402  (the spec reader)


def cunit_results(path):
    """{(suite, test ID): 'pass' | 'fail'} from a CUnit Automated results file."""
    results = {}
    for suite in ET.parse(path).getroot().iter("CUNIT_RUN_SUITE"):
        name = suite.find(".//SUITE_NAME")
        sname = name.text.strip() if name is not None else ""
        for record in suite.iter("CUNIT_RUN_TEST_RECORD"):
            for outcome in record:
                test = outcome.find("TEST_NAME").text.strip().split(":")[0]  # "ID: phrase"
                passed = outcome.tag == "CUNIT_RUN_TEST_SUCCESS"
                if not passed or (sname, test) not in results:
                    results[(sname, test)] = "pass" if passed else "fail"
    return results


def runner_notes(results_path):
    """{test: (kind, text)} from the Notes file beside a results file."""
    path = results_path.replace("-Results.xml", "-Notes.tsv")
    notes = {}
    if os.path.exists(path):
        for line in open(path, encoding="utf-8"):
            test, kind, text = line.rstrip("\n").split("\t", 2)
            notes[test] = (kind, text)
    return notes


# Suites only the model runs (tests/suite/substrate_model.c), and why.
MODEL_SUITES = {"model": "tests the model's own extension",
                "resources": "tests the model's resources: faults injected, handles counted"}


def result_of(row, name, got, notes):
    if row["kind"] != "invariant":
        return row["kind"], ""
    if name != "model" and row["cunit_suite"] in MODEL_SUITES:
        return "n/a", MODEL_SUITES[row["cunit_suite"]]
    result = got.get((row["cunit_suite"], row["cunit_test"]), "not run")
    kind, text = notes.get(row["cunit_test"], (None, ""))
    if result == "pass" and kind == "deviation":
        return "deviation", text
    if result == "pass" and kind == "n/a":
        return "n/a", text
    return result, text


def proof_of(row):
    """PROVED when a contract clause of src/ formalises it (make prove proves every
    one), ASSUMED when the proof takes it as an OS assumption, else empty."""
    marks = row.get("proof", "")
    return "PROVED" if "proved:" in marks else "ASSUMED" if "assumed:" in marks else ""


def short(symbols):
    """The first implementing symbol, and how many more there are."""
    names = [s for s in symbols.split(";") if s]
    if not names:
        return "-"
    return names[0] + (f" (+{len(names) - 1})" if len(names) > 1 else "")


UPSTREAM = "upstream (Rust, Wine)"


def upstream_results(path):
    """{requirement: agrees | expected divergence | failure} from make diff-upstream, or None."""
    if not path or not os.path.exists(path):
        return None
    return json.load(open(path, encoding="utf-8"))["requirements"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--csv", required=True)
    ap.add_argument("--results", required=True, action="append", metavar="SUBSTRATE=XML",
                    help="CUnit results of one substrate, e.g. model=build/report/iocp-Results.xml")
    ap.add_argument("--out", required=True)
    ap.add_argument("--checks", help="trace-check's summary line: what it checked, and what not")
    ap.add_argument("--upstream", help="make diff-upstream's report.json: mio's own iocp.rs beside "
                    "the C module under Wine")
    args = ap.parse_args()
    upstream = upstream_results(args.upstream)

    substrates = {}
    for spec in args.results:
        name, _, path = spec.partition("=")
        try:
            substrates[name] = (cunit_results(path), runner_notes(path))
        except (OSError, ET.ParseError) as e:
            print(f"report: cannot read the CUnit results {path}: {e}", file=sys.stderr)
            return 1
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    sentences = {rid: r["text"] for rid, r in traceability.read_spec(root, traceability.Problems()).items()}

    report = []
    for r in csv.DictReader(open(args.csv, encoding="utf-8")):
        results, notes = {}, {}
        for name, (got, substrate_notes) in substrates.items():
            results[name], notes[name] = result_of(r, name, got, substrate_notes)
        report.append({**r, "text": sentences.get(r["req_id"], ""), "results": results,
                       "notes": notes, "upstream": (upstream or {}).get(r["req_id"], "")})

    names = list(substrates)
    width = max(len(r["req_id"]) for r in report)
    sym = max(len(short(r["c_symbol"])) for r in report)
    print(f"\n{'requirement':<{width}}  {'C symbol':<{sym}}  " + "  ".join(f"{n:<11}" for n in names)
          + f"  {'proof':<8}  {UPSTREAM}")
    for r in report:
        cells = "  ".join(f"{r['results'][n].upper():<11}" for n in names)
        print(f"{r['req_id']:<{width}}  {short(r['c_symbol']):<{sym}}  {cells}  {proof_of(r):<8}  "
              f"{r['upstream'].upper()}".rstrip())

    totals = {n: {} for n in names}
    for r in report:
        for n in names:
            totals[n][r["results"][n]] = totals[n].get(r["results"][n], 0) + 1
    invariants = sum(1 for r in report if r["kind"] == "invariant")
    proved = sum(1 for r in report if proof_of(r) == "PROVED")
    assumed = sum(1 for r in report if proof_of(r) == "ASSUMED")
    print(f"\n{len(report)} requirements, {invariants} invariants; {proved} with a clause proved "
          f"by Frama-C WP (make prove), {assumed} taken as assumptions by that proof")
    for n in names:
        t = totals[n]
        print(f"  {n}: {t.get('pass', 0)} passed, {t.get('deviation', 0)} passed as known "
              f"deviations, {t.get('n/a', 0)} n/a, {t.get('fail', 0)} failed, "
              f"{t.get('not run', 0)} not run; {t.get('descriptive', 0)} descriptive, "
              f"{t.get('not code', 0)} not code")
        for r in report:
            if r["results"][n] in ("deviation", "n/a"):
                print(f"    {r['results'][n]:<9} {r['req_id']}: {r['notes'][n]}")

    if upstream is None:
        print(f"\n{UPSTREAM}: not run (make diff-upstream writes build/upstream/report.json)")
    else:
        ups = [r["upstream"] for r in report if r["upstream"]]
        print(f"\n{UPSTREAM}: {len(ups)} requirements exercised by make diff-upstream: "
              f"{ups.count('agrees')} agree, {ups.count('expected divergence')} expected "
              f"divergences, {ups.count('failure')} failures (build/upstream/report.md)")
    checks = (open(args.checks, encoding="utf-8").read().strip() if args.checks and
              os.path.exists(args.checks) else "trace-check did not run: nothing checked the matrix")
    print(f"\n{checks}")
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "conformance.json"), "w", encoding="utf-8") as f:
        json.dump({"substrates": names, "requirements": report, "totals": totals,
                   "checks": checks}, f, indent=1)
    with open(os.path.join(args.out, "conformance.md"), "w", encoding="utf-8") as f:
        f.write(f"{checks}\n\n")
        if upstream is not None:
            md = os.path.relpath(os.path.splitext(args.upstream)[0] + ".md", args.out)
            f.write(f"The {UPSTREAM} column: [make diff-upstream's report]({md}).\n\n")
        else:
            f.write(f"The {UPSTREAM} column: not run (make diff-upstream).\n\n")
        f.write("| requirement | sentence | evidence | seed | mio | C symbol | C location | test | "
                + " | ".join(names) + f" | proof (make prove) | {UPSTREAM} |\n")
        f.write("|---" * (10 + len(names)) + "|\n")
        for r in report:
            test = f"{r['cunit_suite']}/{r['cunit_test']}" if r["cunit_test"] else ""
            cells = [r["results"][n] + (f": {r['notes'][n]}" if r["notes"][n] else "")
                     for n in names]
            f.write(f"| {r['req_id']} | {r['text']} | {r['evidence_kind']} | {r['seed_section']} | {r['mio_lines']} | "
                    f"{r['c_symbol']} | {r['c_location']} | {test} | " + " | ".join(cells)
                    + f" | {r.get('proof', '')} | {r['upstream']} |\n")
    print(f"report: {args.out}/conformance.md, {args.out}/conformance.json")
    failed = any(t.get("fail", 0) or t.get("not run", 0) for t in totals.values()) or \
        any(r["upstream"] == "failure" for r in report)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
