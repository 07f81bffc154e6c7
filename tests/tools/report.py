#!/usr/bin/env python3
"""The conformance report: each requirement with its code, its test and the result.

Joins traceability.csv with CUnit's XML results (PREFIX-Results.xml written by
`runner --xml PREFIX`), prints one line per requirement (ID, C symbol, result)
and the totals, and writes conformance.md and conformance.json.  Exits 1 if an
invariant failed or did not run.  Python 3 standard library only.
"""
import argparse
import csv
import json
import os
import sys
import xml.etree.ElementTree as ET


def cunit_results(path):
    """{(suite, test): 'pass' | 'fail'} from the CUnit Automated results file."""
    results = {}
    root = ET.parse(path).getroot()
    for suite in root.iter("CUNIT_RUN_SUITE"):
        name = suite.find(".//SUITE_NAME")
        sname = name.text.strip() if name is not None else ""
        for record in suite.iter("CUNIT_RUN_TEST_RECORD"):
            for outcome in record:
                test = outcome.find("TEST_NAME").text.strip()
                passed = outcome.tag == "CUNIT_RUN_TEST_SUCCESS"
                if not passed or (sname, test) not in results:
                    results[(sname, test)] = "pass" if passed else "fail"
    return results


def short(symbols):
    """The first implementing symbol, and how many more there are."""
    names = [s for s in symbols.split(";") if s]
    if not names:
        return "-"
    return names[0] + (f" (+{len(names) - 1})" if len(names) > 1 else "")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--csv", required=True)
    ap.add_argument("--results", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    try:
        results = cunit_results(args.results)
    except (OSError, ET.ParseError) as e:
        print(f"report: cannot read the CUnit results {args.results}: {e}", file=sys.stderr)
        return 1
    rows = list(csv.DictReader(open(args.csv, encoding="utf-8")))
    report = []
    for r in rows:
        if r["kind"] != "invariant":
            result = r["kind"]
        else:
            result = results.get((r["cunit_suite"], r["cunit_test"]), "not run")
        report.append({**r, "result": result})

    width = max(len(r["req_id"]) for r in report)
    symbols = [short(r["c_symbol"]) for r in report]
    sym = max(len(s) for s in symbols)
    print(f"\n{'requirement':<{width}}  {'C symbol':<{sym}}  result")
    for r, s in zip(report, symbols):
        print(f"{r['req_id']:<{width}}  {s:<{sym}}  {r['result'].upper()}")
    totals = {}
    for r in report:
        totals[r["result"]] = totals.get(r["result"], 0) + 1
    inv = sum(1 for r in report if r["kind"] == "invariant")
    print(f"\n{len(report)} requirements; {inv} invariants: {totals.get('pass', 0)} passed, "
          f"{totals.get('fail', 0)} failed, {totals.get('not run', 0)} not run; "
          f"{totals.get('descriptive', 0)} descriptive, {totals.get('not code', 0)} not code")

    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "conformance.json"), "w", encoding="utf-8") as f:
        json.dump({"requirements": report, "totals": totals}, f, indent=1)
    with open(os.path.join(args.out, "conformance.md"), "w", encoding="utf-8") as f:
        f.write("| requirement | kind | mio | C symbol | C location | test | result |\n")
        f.write("|---|---|---|---|---|---|---|\n")
        for r in report:
            f.write(f"| {r['req_id']} | {r['kind']} | {r['mio_lines']} | {r['c_symbol']} | "
                    f"{r['c_location']} | {r['cunit_suite']}/{r['cunit_test']} | {r['result']} |\n")
    print(f"report: {args.out}/conformance.md, {args.out}/conformance.json")
    return 0 if totals.get("fail", 0) == 0 and totals.get("not run", 0) == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
