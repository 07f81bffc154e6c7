#!/usr/bin/env python3
"""Mutation testing of src/: is every small change to the code caught by the suite?

Each mutant changes one place of one file, with one of these operators:
  rel     a relational operator (< <= > >= == !=) replaced by a neighbour
  arith   + and - swapped
  logic   && and || swapped, or a ! removed
  const   an integer literal n replaced by n+1 (0 by 1, 1 by 0)
  bool    TRUE and FALSE swapped
  error   an ERROR_* code replaced by another
  return  a returned value replaced by 0 (NULL for pointers) or 1
  delete  a statement line (a call or an assignment ending in ;) deleted
The suite (the CUnit runner, features on, built with -O0 so that undefined
behaviour a mutant brings is not optimised into the original's) runs against
each mutant, stopping at its first failure; a mutant that survives it is run
again under ASan+UBSan with leak detection, which sees deleted frees and
memory errors, and then under TSan, which sees a deleted lock or unlock (an
unlock of a mutex nobody holds, a data race) even when no test loses by it:
  killed     the runner fails, crashes or times out (twice: the second time
             with three times as long); the report names the failing test
  survived   the runner passes
  stillborn  the mutant does not compile (warnings are errors)
A mutation's name ends in "#k" when the line has several of the same kind:
the kth from the left.  A survivor listed in the equivalents file
(`file | line text | mutation | why`) is equivalent: no test can tell it from the original; it is reported apart and
left out of the score, killed / (killed + survived).  The strict score leaves
out only the listed survivors whose reason is of the class equivalent or
unreachable; those of another class (a race window, time or memory only, ...)
count as survivors in it.  A listed mutant that did
not survive is judged again, up to RERUNS more times, before its entry is
called stale: a kill in one run and not the next is a test that depends on the
machine, not a change of the code; the report shows each run's verdict, the
killing test and its output.  A run that only times out never makes an entry
stale.

Usage: mutate.py [--jobs N] [--floor PCT] [--equivalents FILE] [--out DIR]
                 [--survivors REPORT.json] FILE...
--survivors judges again only the mutants that survived in an earlier report
(a quick loop while tests are written; its score counts those mutants only).
Exit status 1 if a file's score is below the floor, or an equivalents entry
names no surviving mutant (it is stale).
"""
import argparse
import concurrent.futures
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import time

import reasons as reviewed

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
ERRORS = ["ERROR_INVALID_HANDLE", "ERROR_INVALID_PARAMETER", "ERROR_NO_SYSTEM_RESOURCES",
          "ERROR_INSUFFICIENT_BUFFER", "ERROR_TOO_MANY_OPEN_FILES", "ERROR_BROKEN_PIPE",
          "ERROR_NO_DATA", "ERROR_GEN_FAILURE", "ERROR_NOACCESS", "WAIT_TIMEOUT",
          "ERROR_ABANDONED_WAIT_0", "ERROR_IO_PENDING"]
REL = {"<": "<=", "<=": "<", ">": ">=", ">=": ">", "==": "!=", "!=": "=="}
TOKEN = re.compile(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|\|\||&&|<<=|>>=|<<|>>|<=|>=|==|!=|->|'
                   r'\+\+|--|[-+*/%<>=!&|^~?:;,(){}\[\].]|0[xX][0-9a-fA-F]+[uUlL]*|\d+[uUlL]*|\w+|\s+')


def code_lines(text):
    """Yield (index, line) of lines that are code: not comments, not preprocessor, not asserts."""
    in_comment = False
    for i, line in enumerate(text.split("\n")):
        s = line.strip()
        if in_comment:
            if "*/" in s:
                in_comment = False
            continue
        if s.startswith("/*") and "*/" not in s:
            in_comment = True
            continue
        if (not s or s.startswith(("/*", "*", "//", "#")) or s.startswith("_Static_assert")
                or "assert(" in s or s.startswith(('"', "static const char"))):
            continue
        yield i, line


def mutations(line):
    """Yield (description, new line) for each mutant of one line."""
    code, _, comment = line.partition("/*")
    tokens = TOKEN.findall(code)
    if "".join(tokens) != code:
        return
    stripped = code.strip()

    def at(k, new):
        return "".join(tokens[:k] + [new] + tokens[k + 1:]) + (("/*" + comment) if comment else "")

    for k, t in enumerate(tokens):
        if t in REL and not (t in "<>" and k > 0 and tokens[k - 1] == "#include"):
            yield f"rel {t} -> {REL[t]}", at(k, REL[t])
        elif t in ("+", "-") and k > 0 and tokens[k - 1].strip() not in ("(", "=", ",", "return", ""):
            yield f"arith {t} -> {'-' if t == '+' else '+'}", at(k, "-" if t == "+" else "+")
        elif t in ("&&", "||"):
            yield f"logic {t} -> {'||' if t == '&&' else '&&'}", at(k, "||" if t == "&&" else "&&")
        elif t == "!":
            yield "logic ! removed", at(k, "")
        elif re.fullmatch(r"\d+[uUlL]*", t) and not (k > 0 and tokens[k - 1] == "["):
            digits = re.match(r"\d+", t).group(0)
            suffix = t[len(digits):]
            new = "1" if digits == "0" else "0" if digits == "1" else str(int(digits) + 1)
            yield f"const {t} -> {new}{suffix}", at(k, new + suffix)
        elif t in ("TRUE", "FALSE"):
            yield f"bool {t} -> {'FALSE' if t == 'TRUE' else 'TRUE'}", at(k, "FALSE" if t == "TRUE" else "TRUE")
        elif t in ERRORS:
            other = ERRORS[(ERRORS.index(t) + 1) % len(ERRORS)]
            yield f"error {t} -> {other}", at(k, other)
    m = re.match(r"(\s*(?:.*\belse\s+|.*\)\s+)?return\s+)(.+);(\s*)$", code)
    if m and m.group(2).strip() not in ("0", "NULL", "FALSE"):
        yield "return -> 0", m.group(1) + "0;" + m.group(3) + (("/*" + comment) if comment else "")
        if m.group(2).strip() not in ("1", "TRUE"):
            yield "return -> 1", m.group(1) + "1;" + m.group(3) + (("/*" + comment) if comment else "")
    if (stripped.endswith(";") and not stripped.startswith(("return", "break", "continue", "}"))
            and re.match(r"[\w*(][^;]*[=(][^;]*;$", stripped)
            and not re.match(r"(?:const\s+)?(?:struct\s+)?\w+\s+\**\w+\s*(?:=|\[|;)", stripped)
            and not re.match(r"(?:static\s+)?(?:unsigned|int|uint\w+|size_t|DWORD|ULONG|BOOL|HANDLE|"
                             r"ssize_t|char|long)\b", stripped)):
        yield "delete statement", ""


def build_tree(work):
    """A private copy of the sources, built once with the suite."""
    if os.path.exists(work):
        shutil.rmtree(work)
    os.makedirs(work)
    for d in ("src", "tests"):
        shutil.copytree(os.path.join(ROOT, d), os.path.join(work, d),
                        ignore=shutil.ignore_patterns("tools", "spin", "win32"))
    shutil.copy(os.path.join(ROOT, "Makefile"), work)
    for mk in glob.glob(os.path.join(ROOT, "tests", "**", "*.mk"), recursive=True) + \
            glob.glob(os.path.join(ROOT, "docs", "*.mk")):  # the fragments the Makefile includes
        dest = os.path.join(work, os.path.relpath(mk, ROOT))
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        shutil.copy(mk, dest)
    for build in BUILDS:
        ok, log = make(work, build)
        if not ok:
            break
    return ok, log


# The plain build, then the sanitizer builds that judge the plain run's
# survivors, in this order: leaks and memory errors, then locking errors.
BUILDS = {"plain": [], "asan": ["SANITIZE=-fsanitize=address,undefined -fno-sanitize-recover=all"],
          "tsan": ["SANITIZE=-fsanitize=thread"]}
SLOWER = {"plain": 1, "asan": 3, "tsan": 6}  # the timeout's factor per build


def make(work, build="plain"):
    r = subprocess.run(["make", "-s", "-C", work, f"BUILD={build}", "CFLAGS=-O0 -g",
                        *BUILDS[build], f"{build}/runner"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return r.returncode == 0, r.stdout


def run_suite(work, timeout, build="plain"):
    """(True if the suite passes, False if it fails, None if it ran out of time; its output)."""
    try:
        r = subprocess.run([os.path.join(work, build, "runner")], cwd=work, timeout=timeout,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                           errors="replace",
                           env=dict(os.environ, MIO_TEST_FAIL_FAST="1", ASAN_OPTIONS="detect_leaks=1",
                                    TSAN_OPTIONS="halt_on_error=1"))
        return r.returncode == 0, f"exit status {r.returncode}\n{r.stderr[-4000:]}"
    except subprocess.TimeoutExpired:
        return None, f"no verdict within {timeout:.0f} s"


def killer(output):
    """The test a failed run names (support.c's FAILED line, or the watchdog's), else ''."""
    m = re.search(r"^FAILED: ([A-Z]+-[A-Z]+-\d+)|^watchdog: test ([A-Z]+-[A-Z]+-\d+)", output, re.M)
    return (m.group(1) or m.group(2)) if m else ""


def judge(work, path, original, mutant, timeout):
    """Builds and runs one mutant in `work`: (killed, survived, stillborn or timeout; detail).

    The detail of a killed mutant names the build, the test that failed and
    its output.  A run with no verdict is tried once more with three times the
    time; if that too runs out, the result is `timeout`, which counts as
    killed (a hang is a failure) but is never taken as a test's verdict."""
    target = os.path.join(work, path)
    with open(target, "w", encoding="utf-8") as f:
        f.write(mutant)
    try:
        ok, log = make(work)
        if not ok:
            return "stillborn", {"build": "plain", "output": log[-2000:]}
        for build in BUILDS:
            if build != "plain":
                ok, log = make(work, build)
                if not ok:
                    return "stillborn", {"build": build, "output": log[-2000:]}
            passed, output = run_suite(work, timeout * SLOWER[build], build)
            if passed is None:  # a hang, or a machine too busy: once more, with time to spare
                passed, output = run_suite(work, 3 * timeout * SLOWER[build], build)
            if passed is None:
                return "timeout", {"build": build, "output": output}
            if not passed:
                return "killed", {"build": build, "test": killer(output), "output": output}
        return "survived", {}
    finally:
        with open(target, "w", encoding="utf-8") as f:
            f.write(original)
        # the objects must not keep the mutant's timestamp: rebuild from the original
        for build in BUILDS:
            obj = os.path.join(work, build, "obj", path[:-2] + ".o")
            if os.path.exists(obj):
                os.remove(obj)


# How many times a listed equivalent is judged again before its entry is called stale.
RERUNS = 2


def rejudge_listed(results, equivalents, work, timeout):
    """A listed equivalent that did not survive is judged again, up to RERUNS times.

    A listed mutant is judged equivalent because no test can tell it from the
    original, so a kill is more likely a test that depends on the machine
    than a stale entry: the entry is stale only if every run kills it (or
    fails to build it).  A run that only timed out is no verdict: if every run
    does, the entry is kept.  Each run's verdict is recorded for the report."""
    for r in results:
        if (r["file"], r["text"], r["mutation"]) not in equivalents or r["result"] == "survived":
            continue
        r["verdicts"] = [verdict(r)]
        for _ in range(RERUNS):
            path, _, _, _, text, mutant = r["job"]
            result, detail = judge(work, path, text, mutant, timeout)
            for k in ("build", "test", "output"):
                r.pop(k, None)
            r.update(result=result, **detail)
            r["verdicts"].append(verdict(r))
            if result == "survived":
                break
        if r["result"] == "timeout":
            r["result"] = "survived"  # no verdict in any run: no evidence against the entry
        print(f"mutate: listed equivalent {r['file']}:{r['line']} {r['mutation']} judged again: "
              + "; ".join(r["verdicts"]), flush=True)


def verdict(r):
    """One run's verdict, in words, for the report."""
    if r["result"] == "killed":
        return f"killed in the {r['build']} build by {r.get('test') or 'no named test'} " \
               f"({r['output'].strip().splitlines()[0] if r['output'].strip() else 'no output'})"
    if r["result"] in ("timeout", "stillborn"):
        return f"{r['result']} in the {r['build']} build"
    return r["result"]


# The classes a listed survivor's reason may start with ("class: why").  Only
# the first two say no test can tell the mutant apart; the strict score counts
# every other listed survivor as a survivor.
CLASSES = ("equivalent", "unreachable", "race window", "signal window", "time only",
           "memory only", "unspecified")
STRICT_LEFT_OUT = ("equivalent", "unreachable")


def reason_class(why):
    """The class a reason names; a reason without one is an equivalence argument."""
    head = why.split(":", 1)[0].strip()
    return head if head in CLASSES else "equivalent"


def load_equivalents(path):
    if not path or not os.path.exists(path):
        return {}
    return reviewed.load(path, ("file", "line text", "mutation", "why"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("files", nargs="+")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--floor", type=float, default=95.0)
    ap.add_argument("--strict-floor", type=float, default=90.0,
                    help="the floor of the strict score, which leaves out only equivalent and "
                         "unreachable survivors")
    ap.add_argument("--equivalents", default=os.path.join(ROOT, "tests", "lists", "mutation_equivalent.txt"))
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "mutation"))
    ap.add_argument("--survivors", help="an earlier report.json: judge its survivors only")
    args = ap.parse_args()
    args.out = os.path.abspath(args.out)

    os.makedirs(args.out, exist_ok=True)
    works = [os.path.join(args.out, f"work{j}") for j in range(args.jobs)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for ok, log in pool.map(build_tree, works):  # the trees are built side by side
            if not ok:
                sys.exit("mutate: the unmutated tree does not build:\n" + log)
    start = time.time()
    passed, output = run_suite(works[0], 600)
    if passed is not True:
        sys.exit(f"mutate: the suite fails on the unmutated code; fix that first:\n{output}")
    timeout = max(8.0, 4 * (time.time() - start))
    for build in BUILDS:  # a sanitizer stage that fails on the original would kill every survivor
        if build == "plain":
            continue
        passed, output = run_suite(works[0], timeout * SLOWER[build], build)
        if passed is not True:
            sys.exit(f"mutate: the suite fails on the unmutated code under {build}; fix that first:"
                     f"\n{output}")
    equivalents = load_equivalents(args.equivalents)

    jobs = []
    for path in args.files:
        text = open(os.path.join(ROOT, path), encoding="utf-8").read()
        lines = text.split("\n")
        for i, line in code_lines(text):
            found = list(mutations(line))
            for k, (desc, new) in enumerate(found):
                same = [d for d, _ in found if d == desc]
                if len(same) > 1:  # which of them: "#2" is the second from the left
                    desc += f" #{[d for d, _ in found[:k + 1]].count(desc)}"
                mutant = "\n".join(lines[:i] + ([new] if new != "" else []) + lines[i + 1:])
                jobs.append((path, i + 1, line.strip(), desc, text, mutant))
    if args.survivors:
        earlier = json.load(open(args.survivors, encoding="utf-8"))["mutants"]
        again = {(r["file"], r["text"], r["mutation"].split(" #")[0])
                 for r in earlier if r["result"] == "survived"}
        jobs = [j for j in jobs if (j[0], j[2], j[3].split(" #")[0]) in again]
    print(f"mutate: {len(jobs)} mutants of {', '.join(args.files)}; {args.jobs} jobs, "
          f"timeout {timeout:.0f} s each", flush=True)

    results = []
    free = list(works)
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        pending = {}
        queue = list(jobs)
        while queue or pending:
            while queue and free:
                job = queue.pop(0)
                w = free.pop()
                fut = pool.submit(judge, w, job[0], job[4], job[5], timeout)
                pending[fut] = (job, w)
            done, _ = concurrent.futures.wait(pending, return_when=concurrent.futures.FIRST_COMPLETED)
            for fut in done:
                job, w = pending.pop(fut)
                free.append(w)
                result, detail = fut.result()
                results.append({"file": job[0], "line": job[1], "text": job[2], "mutation": job[3],
                                "result": result, **detail, "job": job})
                if len(results) % 50 == 0:
                    print(f"  {len(results)}/{len(jobs)}", flush=True)

    results.sort(key=lambda r: (r["file"], r["line"], r["mutation"]))
    rejudge_listed(results, equivalents, works[0], timeout)
    used, failed, summary = set(), False, {}
    for r in results:
        del r["job"]
        key = (r["file"], r["text"], r["mutation"])
        if key not in equivalents:
            r.pop("output", None)  # the killing test is kept; its output only for listed mutants
        if r["result"] == "survived" and key in equivalents:
            r["result"] = "equivalent"
            r["why"] = equivalents[key]
            used.add(key)
    for r in results:  # a hang is a failure of the mutant, but never of an equivalents entry
        if r["result"] == "timeout":
            r["result"] = "killed"
    report = ["# Mutation testing", "", f"Files: {', '.join(args.files)}.  Operators and method: "
              "`tests/tools/mutate.py`.", "",
              "| file | mutants | killed | survived | listed | stillborn | score | strict score |",
              "|---|---|---|---|---|---|---|---|"]
    for path in args.files:
        rs = [r for r in results if r["file"] == path]
        count = {k: sum(r["result"] == k for r in rs)
                 for k in ("killed", "survived", "equivalent", "stillborn")}
        live = count["killed"] + count["survived"]
        score = 100.0 * count["killed"] / live if live else 100.0
        excused = sum(r["result"] == "equivalent" and reason_class(r["why"]) not in STRICT_LEFT_OUT
                      for r in rs)
        strict = 100.0 * count["killed"] / (live + excused) if live + excused else 100.0
        summary[path] = dict(count, mutants=len(rs), score=round(score, 1), strict=round(strict, 1))
        report.append(f"| {path} | {len(rs)} | {count['killed']} | {count['survived']} | "
                      f"{count['equivalent']} | {count['stillborn']} | {score:.1f}% | {strict:.1f}% |")
        if score < args.floor or strict < args.strict_floor:
            failed = True
    report += ["", "## Survivors", ""]
    report += [f"- {r['file']}:{r['line']}: {r['mutation']}: `{r['text']}`"
               for r in results if r["result"] == "survived"] or ["(none)"]
    classes = {}
    for r in results:
        if r["result"] == "equivalent":
            key = (r["file"], reason_class(r["why"]))
            classes[key] = classes.get(key, 0) + 1
    report += ["", "## Listed survivors by class, per file", ""]
    report += [f"- {f}: {c}: {n}" for (f, c), n in sorted(classes.items())] or ["(none)"]
    report += ["", "## Equivalent mutants (tests/lists/mutation_equivalent.txt)", ""]
    report += [f"- {r['file']}:{r['line']}: {r['mutation']}: `{r['text']}`: {r['why']}"
               for r in results if r["result"] == "equivalent"] or ["(none)"]
    stale = [k for k in equivalents if k[0] in args.files and k not in used and not args.survivors]
    for k in stale:
        report.append(f"- STALE entry, no such survivor: {' | '.join(k)}")
        for r in results:
            if (r["file"], r["text"], r["mutation"]) == k and r["result"] != "survived":
                report.append(f"  - {r['result']} in every run ({RERUNS + 1}), the last in the "
                              f"{r.get('build', '?')} build by test {r.get('test') or '(none named)'}; "
                              f"its output:\n\n```\n{r.get('output', '').strip()}\n```")
        failed = True
    flaky = [r for r in results if r.get("verdicts")]
    report += ["", "## Listed equivalents whose first verdict was not survived, judged again", ""]
    report += [f"- {r['file']}:{r['line']}: {r['mutation']}: `{r['text']}`: " +
               "; ".join(r["verdicts"]) for r in flaky] or ["(none)"]
    with open(os.path.join(args.out, "report.md"), "w", encoding="utf-8") as f:
        f.write("\n".join(report) + "\n")
    with open(os.path.join(args.out, "report.json"), "w", encoding="utf-8") as f:
        json.dump({"summary": summary, "mutants": results}, f, indent=1)
    for line in report[4:4 + 2 + len(args.files)]:
        print(line)
    for r in results:
        if r["result"] == "survived":
            print(f"survived: {r['file']}:{r['line']}: {r['mutation']}: {r['text']}")
    for k in stale:
        print(f"mutate: stale equivalents entry: {' | '.join(k)}", file=sys.stderr)
        for r in results:
            if (r["file"], r["text"], r["mutation"]) == k and r.get("verdicts"):
                print("  " + "; ".join(r["verdicts"]) + "\n  last output:\n" +
                      r.get("output", "").strip(), file=sys.stderr)
    print(f"mutate: report in {os.path.relpath(args.out, ROOT)}/report.md; floors {args.floor:g}% "
          f"and {args.strict_floor:g}% strict (listed survivors of a class other than "
          f"{' or '.join(STRICT_LEFT_OUT)} count as survivors): "
          f"{'FAILED' if failed else 'OK'}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
