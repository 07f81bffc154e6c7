#!/usr/bin/env python3
"""Derive traceability.csv from the annotations, and check it.

Reads the requirements in spec/*.md, the @satisfies{ID} annotations in src/,
the @verifies{ID} annotations and CU_TestInfo registrations in tests/, the
runner's own list of registered tests (`runner --list`), and the named clauses
of the ACSL contracts (`ensures IOCP_DM_3: ...` formalises IOCP-DM-3): those in
src/ are proved by `make prove`, those in tests/proof/ are the OS assumptions
the proof rests on.  With --write it
writes the CSV; with --check it fails, naming the ID, file and line, when the
annotations break a rule of spec/README.md or the committed CSV is stale.

Python 3 standard library only.
"""
import argparse
import csv
import difflib
import hashlib
import io
import os
import re
import sys

COLUMNS = ["req_id", "kind", "seed_section", "mio_lines", "rust_item", "spec_location",
           "evidence_kind", "evidence",
           "c_symbol", "c_location", "cunit_suite", "cunit_test", "cunit_function", "proof",
           "text_sha256"]
KINDS = ("invariant", "descriptive", "not code")
# What a requirement rests on.  The first four are claims about the OS
# (every requirement of spec/os.md has one); `upstream` is mio's own code,
# `C API` a rule only the C translation adds (it has no upstream range).
OS_EVIDENCE = ("documented", "observed on Windows", "observed on Wine only", "model's choice")
EVIDENCE_KINDS = OS_EVIDENCE + ("upstream", "C API")
# The source each kind must cite, by the address it must contain.
EVIDENCE_NEEDS = {
    "documented": ("https://learn.microsoft.com/", "a Microsoft Learn page"),
    "observed on Windows": ("https://gitlab.winehq.org/wine/wine/-/blob/wine-",
                            "a Wine conformance test at a named Wine release"),
    "observed on Wine only": ("`tests/", "a test of this project that runs under Wine"),
    "model's choice": ("Why:", "the reason for the choice ('Why: ...')"),
    "upstream": ("https://github.com/tokio-rs/mio/blob/v1.1.0/", "a line range of mio 1.1.0"),
    "C API": ("", ""),
}
REPO_PATH = re.compile(r"`((?:src|tests|spec|docs)/[^`\s]+?)(?::\d+(?:-\d+)?)?`")
# A citation of something outside the repository: a relative path out of it,
# or the team's shared folder, which an auditor's clone does not have.
OUTSIDE = re.compile(r"\.\./|\bshared/(?:seed|upstream|research)|win32-iocp-semantics|wine-probes")
UPSTREAM_LINES = 282
SEED_FILE = "000_5e099f9ce9e4d71f.txt"

ANCHOR = re.compile(r"^\\anchor ((?:IOCP|OS)-[A-Z]+-\d+)\s*$")
SENTENCE = re.compile(r"^\*\*([A-Z]+-[A-Z]+-\d+)\*\* (.+)$")
ATTRS = re.compile(r"^<br>\*(invariant|descriptive|not code)\* · seed: (.+?) · "
                   r"mio: (?:L(\d+)-(\d+)|—) · rust: (?:`([^`]+)`|—)\s*$")
EVIDENCE = re.compile(r"^<br>evidence: \*([^*]+)\* · (.+)$")
SEED_HEADING = re.compile(r"^(#{2,3}) (.+?)(?: \(L\d+(?:-\d+)?\))?\s*$")
SEED_RANGE = re.compile(r"\(L(\d+)(?:-(\d+))?\)")
SEED_NAME = re.compile(r"`(\w+)")
RUST_FN = re.compile(r"\bfn (\w+)")
PLAIN_COMMENT = re.compile(r"^\s*/\*[^*].*\*/\s*$")  # e.g. a snippet marker
SATISFIES = re.compile(r"@satisfies\{([^}]*)\}")
# A statement's requirement mark, SQLite's way: a comment that starts with IDs,
# `/* IOCP-GM-13 */` after the statement or on the line above it, which may
# go on to a second line (` * IOCP-CP-2 */`) or to a colon and a note.
MARK_ID = r"(?:IOCP|OS)-[A-Z]+-\d+"
STATEMENT_MARK = re.compile(r"/\*\s*(" + MARK_ID + r"(?:[ ,]+" + MARK_ID + r")*)\s*(?:\*/|:|$)")
MARK_MORE = re.compile(r"^\s*\*\s*(" + MARK_ID + r"(?:[ ,]+" + MARK_ID + r")*)\s*\*/")
VERIFIES = re.compile(r"@verifies\{([^}]*)\}")
REGISTERED = re.compile(r'\{"([^"]+)",\s*(\w+)\}')
SUITE_ARRAY = re.compile(r"^CU_TestInfo suite_(\w+)\[\]")
FUNC_NAME = re.compile(r"(\w+)\s*\([^;]*$")
TYPEDEF_END = re.compile(r"^\}\s*(\w+)\s*;")
# A named ACSL clause: `ensures IOCP_GM_13: ...`; the name is the ID with '_' for '-'.
ACSL_CLAUSE = re.compile(r"\b(ensures|assigns|requires|behavior|assumes)\s+((?:IOCP|OS)_[A-Z]+_\d+)\s*:")


class Problems:
    def __init__(self):
        self.items = []

    def add(self, where, req, message):
        self.items.append(f"{where}: {req}: {message}" if req else f"{where}: {message}")


def rel(path, root):
    return os.path.relpath(path, root)


def files_under(root, sub, exts):
    out = []
    for d, _, names in os.walk(os.path.join(root, sub)):
        out += [os.path.join(d, n) for n in names if n.endswith(exts)]
    return sorted(out)


def read_spec(root, problems):
    """{ID: requirement} from spec/*.md: sentence, attributes and evidence."""
    reqs = {}
    for path in files_under(root, "spec", (".md",)):
        lines = open(path, encoding="utf-8").read().split("\n")
        for i, line in enumerate(lines):
            m = ANCHOR.match(line)
            if not m:
                continue
            rid, where = m.group(1), f"{rel(path, root)}:{i + 1}"
            s = SENTENCE.match(lines[i + 1]) if i + 1 < len(lines) else None
            a = ATTRS.match(lines[i + 2]) if i + 2 < len(lines) else None
            # One evidence line, or one per clause when the clauses rest on different kinds.
            evidence = []
            for line in lines[i + 3:]:
                e = EVIDENCE.match(line)
                if not e:
                    break
                evidence.append((e.group(1), e.group(2)))
            if not s or s.group(1) != rid or not a:
                problems.add(where, rid, "anchor not followed by '**ID** sentence' and the attribute line")
                continue
            if rid in reqs:
                problems.add(where, rid, f"defined twice (first at {reqs[rid]['spec_location']})")
                continue
            first, last = (int(a.group(3)), int(a.group(4))) if a.group(3) else (0, 0)
            if a.group(3) and not 1 <= first <= last <= UPSTREAM_LINES:
                problems.add(where, rid, f"mio lines L{first}-{last} outside L1-{UPSTREAM_LINES}")
            reqs[rid] = {
                "req_id": rid, "kind": a.group(1), "seed_section": a.group(2),
                "mio_lines": f"L{first}-{last}" if a.group(3) else "—", "first": first, "last": last,
                "rust_item": a.group(5) or "—", "spec_location": where, "text": s.group(2),
                "evidence_kind": " + ".join(k for k, _ in evidence),
                "evidence": " | ".join(t for _, t in evidence),
                "impl": [], "tests": [], "proof": []}
            for kind, text in evidence or [("", "")]:
                check_evidence(root, dict(reqs[rid], evidence_kind=kind, evidence=text),
                               path.endswith("os.md"), problems)
    return reqs


def check_evidence(root, r, os_layer, problems):
    """Every requirement names its evidence and its kind; an OS claim one of the four OS kinds."""
    rid, where, kind, text = r["req_id"], r["spec_location"], r["evidence_kind"], r["evidence"]
    if not kind:
        problems.add(where, rid, "no evidence line ('<br>evidence: *kind* · source') after the attributes")
        return
    if kind not in EVIDENCE_KINDS:
        problems.add(where, rid, f"evidence kind '{kind}' is not one of: {', '.join(EVIDENCE_KINDS)}")
        return
    if os_layer and kind not in OS_EVIDENCE:
        problems.add(where, rid, f"an OS requirement needs OS evidence ({', '.join(OS_EVIDENCE)}), not '{kind}'")
    if (kind == "C API") != (r["mio_lines"] == "—"):
        problems.add(where, rid, "a 'C API' requirement, and only one, has no upstream range ('mio: —')")
    needle, what = EVIDENCE_NEEDS[kind]
    if needle not in text:
        problems.add(where, rid, f"'{kind}' evidence must cite {what}")
    for cited in REPO_PATH.findall(text):
        if not os.path.exists(os.path.join(root, cited)):
            problems.add(where, rid, f"evidence cites {cited}, which is not in the repository")


def check_outside_citations(root, problems):
    """Nothing in the spec, the docs, the code or the tests cites a path outside the repository."""
    for sub in ("spec", "docs", "src", "tests"):
        for path in files_under(root, sub, (".md", ".c", ".h", ".py", ".sh", "Doxyfile")):
            if os.path.abspath(path) == os.path.abspath(__file__):
                continue
            for i, line in enumerate(open(path, encoding="utf-8")):
                m = OUTSIDE.search(line)
                if m:
                    problems.add(f"{rel(path, root)}:{i + 1}", None,
                                 f"cites '{m.group(0)}', outside the repository; cite a public source")


def read_seed(path):
    """{section path: [(names, first, last)]} from the design document's line ranges."""
    sections, top, sub = {}, None, None
    for line in open(path, encoding="utf-8"):
        h = SEED_HEADING.match(line)
        if h:
            top, sub = (h.group(2), None) if h.group(1) == "##" else (top, h.group(2))
        key = f"{top}/{sub}" if sub else top
        for m in SEED_RANGE.finditer(line):
            first = int(m.group(1))
            last = int(m.group(2) or first)
            sections.setdefault(key, []).append((set(SEED_NAME.findall(line)), first, last))
    return sections


def check_seed(reqs, seed, problems):
    """Each cited range lies inside the design document's range for the same item."""
    for rid, r in reqs.items():
        entries = seed.get(r["seed_section"])
        if r["seed_section"] == "—" or not entries or r["mio_lines"] == "—":
            continue
        fn = RUST_FN.search(r["rust_item"])
        named = [e for e in entries if fn and fn.group(1) in e[0]]
        candidates = named or entries
        if not any(f <= r["first"] and r["last"] <= l for _, f, l in candidates):
            ranges = ", ".join(f"L{f}-{l}" for _, f, l in candidates)
            item = f"'{fn.group(1)}' " if named else ""
            problems.add(r["spec_location"], rid, f"mio lines {r['mio_lines']} disagree with the design "
                         f"document's range for {item}in '{r['seed_section']}' ({ranges})")


def block_end(lines, start):
    """Last line (0-based) of the definition starting at `start`."""
    depth, seen = 0, False
    for j in range(start, len(lines)):
        depth += lines[j].count("{") - lines[j].count("}")
        seen = seen or "{" in lines[j]
        if (seen and depth == 0) or (not seen and lines[j].rstrip().endswith(";")):
            return j
    return start


def definition_after(lines, i):
    """(symbol, first, last) of the C definition following the comment at line i."""
    j = i
    while j < len(lines) and "*/" not in lines[j]:
        j += 1
    j += 1
    while j < len(lines) and (not lines[j].strip() or PLAIN_COMMENT.match(lines[j])
                              or lines[j].lstrip().startswith("/*@")):
        if lines[j].lstrip().startswith("/*@"):  # the function's ACSL contract
            while j < len(lines) and "*/" not in lines[j]:
                j += 1
        j += 1
    if j >= len(lines):
        return None
    if lines[j].startswith("#if"):
        j += 1
    last = block_end(lines, j)
    if lines[j].startswith("typedef"):
        m = TYPEDEF_END.match(lines[last].strip())
        return (m.group(1), j, last) if m else None
    head = " ".join(lines[j:last + 1]).split("{")[0]
    m = FUNC_NAME.search(head)
    return (m.group(1), j, last) if m else None


def annotated(path, pattern):
    """Yield (ids, symbol, first, last, comment_line) for each annotated comment."""
    lines = open(path, encoding="utf-8").read().split("\n")
    i = 0
    while i < len(lines):
        if "/**" in lines[i]:
            start, ids = i, []
            while i < len(lines):
                ids += pattern.findall(lines[i])
                if "*/" in lines[i]:
                    break
                i += 1
            if ids:
                d = definition_after(lines, start)
                yield ids, d, start
        i += 1


def functions(lines):
    """(name, first, last) of each function definition, 0-based lines."""
    found = []
    for i, text in enumerate(lines):
        if text[:1].isalpha() and not text.startswith(("typedef", "struct", "static const", "#")):
            head = ""
            for j in range(i, min(i + 6, len(lines))):
                head += lines[j]
                if "{" in lines[j] or ";" in lines[j]:
                    break
            m = FUNC_NAME.search(head.split("{")[0])
            if "{" in head and ";" not in head.split("{")[0] and m:
                found.append((m.group(1), i, block_end(lines, i)))
    return found


def statement_marks(path):
    """Yield (ids, symbol, line) for each statement mark of a C file: the
    statement is the mark's own line, or the next code line for a mark that
    stands alone; the symbol is the function around it, or the next one."""
    lines = open(path, encoding="utf-8").read().split("\n")
    defs = functions(lines)
    for i, text in enumerate(lines):
        m = STATEMENT_MARK.search(text)
        if not m or text.lstrip().startswith(("/**", "*")):
            continue
        ids = re.findall(MARK_ID, m.group(1))
        at = i
        if text.lstrip().startswith("/*"):  # alone: it marks the next code line
            while at < len(lines) and "*/" not in lines[at]:
                more = MARK_MORE.match(lines[at + 1]) if at + 1 < len(lines) else None
                ids += re.findall(MARK_ID, more.group(1)) if more else []
                at += 1
            at += 1
            while at < len(lines) and (not lines[at].strip() or lines[at].lstrip().startswith("/*")):
                at += 1
        around = [d for d in defs if d[1] <= at <= d[2]] or [d for d in defs if d[1] > at][:1]
        yield ids, around[0][0] if around else None, at


def read_code(root, reqs, problems):
    for path in files_under(root, "src", (".c",)):
        for ids, symbol, line in statement_marks(path):
            where = f"{rel(path, root)}:{line + 1}"
            if symbol is None:
                problems.add(where, ids[0], "a requirement mark outside any function")
                continue
            for rid in ids:
                if rid not in reqs:
                    problems.add(where, rid, f"a requirement mark names an unknown ID (in {symbol})")
                elif (symbol, where) not in reqs[rid]["impl"]:
                    reqs[rid]["impl"].append((symbol, where))
    for path in files_under(root, "src", (".c", ".h")):
        for ids, d, line in annotated(path, SATISFIES):
            where = f"{rel(path, root)}:{line + 1}"
            if d is None:
                problems.add(where, ids[0], "@satisfies not followed by a function or typedef")
                continue
            symbol, first, last = d
            for rid in ids:
                if rid not in reqs:
                    problems.add(where, rid, f"@satisfies names an unknown ID (at {symbol})")
                    continue
                reqs[rid]["impl"].append((symbol, f"{rel(path, root)}:{first + 1}-{last + 1}"))


def read_proofs(root, reqs, problems):
    """Named ACSL clauses: 'proved' in src/ (make prove), 'assumed' in tests/proof/."""
    for sub, mark in (("src", "proved"), (os.path.join("tests", "proof"), "assumed")):
        for path in files_under(root, sub, (".c", ".h")):
            in_acsl = False
            for i, text in enumerate(open(path, encoding="utf-8").read().split("\n")):
                in_acsl = in_acsl or "/*@" in text or "//@" in text
                if in_acsl:
                    for _, name in ACSL_CLAUSE.findall(text):
                        rid, where = name.replace("_", "-"), f"{rel(path, root)}:{i + 1}"
                        if rid not in reqs:
                            problems.add(where, rid, "an ACSL clause names an unknown ID")
                        elif f"{mark}: {where}" not in reqs[rid]["proof"]:
                            reqs[rid]["proof"].append(f"{mark}: {where}")
                if "*/" in text or text.lstrip().startswith("//@"):
                    in_acsl = False


def read_tests(root, reqs, problems):
    """Map test function -> (verified IDs, where); CU_TestInfo -> (suite, name, function)."""
    verifies, registered = {}, []
    for path in files_under(root, "tests", (".c",)):
        for ids, d, line in annotated(path, VERIFIES):
            where = f"{rel(path, root)}:{line + 1}"
            if d is None:
                problems.add(where, ids[0], "@verifies not followed by a test function")
                continue
            verifies[d[0]] = (ids, where)
        suite = None
        for i, text in enumerate(open(path, encoding="utf-8").read().split("\n")):
            m = SUITE_ARRAY.match(text)
            suite = m.group(1) if m else suite
            if suite:
                for name, func in REGISTERED.findall(text):
                    registered.append((suite, name, func, f"{rel(path, root)}:{i + 1}"))
            if suite and "CU_TEST_INFO_NULL" in text:
                suite = None
    return verifies, registered


def link_tests(reqs, verifies, registered, runner_list, problems):
    """A test is registered as 'ID: phrase', libuv's way: its name reads as a sentence;
    tools key on the ID before the colon."""
    seen_funcs = set()
    for suite, name, func, where in registered:
        seen_funcs.add(func)
        ids, vwhere = verifies.get(func, ([], where))
        if len(ids) != 1:
            problems.add(vwhere, name.split(":")[0], f"test {func} verifies {len(ids)} requirements; it must verify exactly one")
            continue
        rid = ids[0]
        if rid not in reqs:
            problems.add(vwhere, rid, f"@verifies names an unknown ID (test {func})")
            continue
        if not re.fullmatch(re.escape(rid) + r": \S.*", name):
            problems.add(where, rid, f"test {func} is registered as '{name}'; register it as '{rid}: <what it shows>'")
        if (suite, name) not in runner_list:
            problems.add(where, rid, f"test {suite}/{name} is not registered in the runner (runner --list)")
        reqs[rid]["tests"].append((suite, rid, func))
    for func, (ids, where) in verifies.items():
        if func not in seen_funcs:
            problems.add(where, ids[0], f"test {func} is annotated but not registered in a suite")
    matrix = {(s, n) for s, n, _, _ in registered}
    for suite, name in sorted(runner_list - matrix):
        problems.add("runner --list", name, f"registered test {suite}/{name} has no annotated source")


def check_coverage(reqs, problems):
    for rid, r in reqs.items():
        where, kind = r["spec_location"], r["kind"]
        if kind != "not code" and not r["impl"]:
            problems.add(where, rid, f"{kind} requirement has no implementation (no statement mark, no @satisfies)")
        if kind == "not code" and r["impl"]:
            problems.add(where, rid, "a 'not code' requirement has an implementation")
        if kind == "invariant" and not r["tests"]:
            problems.add(where, rid, "invariant has no test")
        if kind == "invariant" and len(r["tests"]) > 1:
            names = ", ".join(f"{s}/{n}" for s, n, _ in r["tests"])
            problems.add(where, rid, f"invariant has {len(r['tests'])} tests ({names}); it must have one")
        if kind != "invariant" and r["tests"]:
            problems.add(where, rid, f"{kind} requirement has a test; only invariants are tested")


def render(reqs):
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(COLUMNS)
    for rid in reqs:  # spec order
        r = reqs[rid]
        w.writerow([
            rid, r["kind"], r["seed_section"], r["mio_lines"], r["rust_item"], r["spec_location"],
            r["evidence_kind"], r["evidence"],
            ";".join(s for s, _ in r["impl"]), ";".join(l for _, l in r["impl"]),
            ";".join(t[0] for t in r["tests"]), ";".join(t[1] for t in r["tests"]),
            ";".join(t[2] for t in r["tests"]), ";".join(r["proof"]),
            hashlib.sha256(r["text"].encode("utf-8")).hexdigest()])
    return out.getvalue()


def read_runner_list(path):
    with open(path, encoding="utf-8") as f:
        return {tuple(line.rstrip("\n").split("\t")) for line in f if line.strip()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", default=os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))))
    ap.add_argument("--registered", required=True, help="output of `runner --list`")
    ap.add_argument("--seed", help="the design document; without it its line ranges go unchecked, "
                    "and the summary says so")
    ap.add_argument("--status", help="also write the summary line to this file (for the report and the docs)")
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", metavar="CSV")
    mode.add_argument("--check", metavar="CSV")
    args = ap.parse_args()

    problems = Problems()
    reqs = read_spec(args.root, problems)
    read_code(args.root, reqs, problems)
    read_proofs(args.root, reqs, problems)
    verifies, registered = read_tests(args.root, reqs, problems)
    link_tests(reqs, verifies, registered, read_runner_list(args.registered), problems)
    check_coverage(reqs, problems)
    check_outside_citations(args.root, problems)
    if not args.seed:
        seed_note = "design-document ranges NOT checked: no design document given (SEED=...)"
    elif os.path.exists(args.seed):
        check_seed(reqs, read_seed(args.seed), problems)
        seed_note = f"design-document ranges checked against {os.path.basename(args.seed)}"
    else:
        seed_note = ""
        problems.add(args.seed, None, "design document not found")
    text = render(reqs)

    if args.write:
        with open(args.write, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        try:
            committed = open(args.check, encoding="utf-8").read()
        except OSError as e:
            committed = ""
            problems.add(args.check, None, f"cannot read: {e.strerror}")
        if committed and committed != text:
            diff = "".join(difflib.unified_diff(committed.splitlines(True), text.splitlines(True),
                                                args.check, "regenerated", n=0))
            problems.add(args.check, None, "differs from the annotations; run `make trace` and "
                         "review the diff:\n" + diff)
    counts = {k: sum(1 for r in reqs.values() if r["kind"] == k) for k in KINDS}
    summary = (f"{len(reqs)} requirements: {counts['invariant']} invariants, "
               f"{counts['descriptive']} descriptive, {counts['not code']} not code")
    if problems.items:
        for p in problems.items:
            print(f"trace: {p}", file=sys.stderr)
        print(f"trace: FAILED with {len(problems.items)} problem(s); {summary}", file=sys.stderr)
        return 1
    evidence = ", ".join(f"{sum(1 for r in reqs.values() if k in r['evidence_kind'].split(' + '))} {k}"
                         for k in EVIDENCE_KINDS)
    proved = sum(1 for r in reqs.values() if any(p.startswith("proved") for p in r["proof"]))
    assumed = sum(1 for r in reqs.values() if any(p.startswith("assumed") for p in r["proof"]))
    line = (f"trace: OK; {summary}; {sum(len(r['tests']) for r in reqs.values())} tests, "
            f"one per invariant; {proved} with a proved clause, {assumed} assumed by the proof; "
            f"evidence: {evidence}; {seed_note}")
    print(line)
    if args.status:
        with open(args.status, "w", encoding="utf-8") as f:
            f.write(line + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
