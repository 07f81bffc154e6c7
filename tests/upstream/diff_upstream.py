#!/usr/bin/env python3
"""make diff-upstream: mio 1.1.0's own iocp.rs beside the C module, under Wine.

1. Checks the located mio 1.1.0 source's SHA-256 (the one spec/README.md
   records), links it as build/upstream/mio, and cuts duration_millis out of
   its text into build/upstream/gen/duration_millis.rs.
2. Builds, with Debian's rustc named by path, the project's windows_sys
   stand-in, then iocp.rs and handle.rs unmodified inside diff_rust.rs: once
   as the differential's Rust driver, once with --test (upstream's own tests).
3. Runs upstream's tests under Wine.
4. Runs the fuzz corpus and generated sequences (deterministic by seed)
   through both drivers under Wine and compares the traces line by line.
5. Compares duration_millis over the boundary set and random durations.
Writes build/upstream/report.md and report.json; exit 1 on any failure,
naming the first step that differs.  Python 3 standard library only.
"""
import argparse
import glob
import hashlib
import json
import os
import random
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "tools"))
import traceability  # noqa: E402  (the spec's requirement sentences)
import verify_upstream  # noqa: E402  (the recorded SHA-256)

# Where the two sides may differ, and which requirement of the C module says why.
# Everything else must agree exactly.
DIVERGENCES = [
    # (requirement, step pattern, Rust's outcome, C's outcome)
    ("IOCP-GM-13", re.compile(r"^\d+ get len 0 -> "), "panic", "87 removed 0"),
    ("IOCP-DM-9", re.compile(r"^\d+ \d+ "), "panic", "4294967295"),
]

# Which requirements each kind of trace line exercises.
KINDS = [
    (re.compile(r"^\d+ new port \d+ -> "), ["IOCP-NEW-1", "IOCP-NEW-2"]),
    (re.compile(r"^\d+ roundtrip "), ["IOCP-RAW-1", "IOCP-RAW-2", "IOCP-RAW-3"]),
    (re.compile(r"^\d+ post "), ["IOCP-POST-1", "IOCP-CSN-1"]),
    (re.compile(r"^\d+ get len 0 "), ["IOCP-GM-6", "IOCP-GM-13"]),
    (re.compile(r"^\d+ get port .* timeout none "), ["IOCP-GM-5", "IOCP-DM-1"]),
    (re.compile(r"^\d+ get port .* timeout 0s0ns -> 258 "), ["IOCP-GM-4", "IOCP-GM-12"]),
    (re.compile(r"^\d+ get port .* -> 258 "), ["IOCP-GM-3"]),
    (re.compile(r"^\d+ get port .* removed [1-9]"), ["IOCP-GM-1", "IOCP-POST-2"]),
    (re.compile(r"^\d+   packet "), ["IOCP-CSE-1", "IOCP-CSA-1", "IOCP-CSA-2", "IOCP-CSA-3",
                                      "IOCP-CSA-4"]),
    (re.compile(r"^\d+ add "), ["IOCP-ADD-1", "IOCP-ADD-4"]),
    (re.compile(r"^\d+ (read|write) "), ["IOCP-ADD-8"]),
    (re.compile(r"^\d+ close port "), ["IOCP-RAW-4"]),
]
PICKS = [[b for b in range(256) if b % 10 == op] for op in range(10)]  # pick % 10 is the operation
DURATION_REQS = ["IOCP-DM-%d" % n for n in range(1, 10)]


# Windows refuses a command line longer than this (CreateProcess's limit).
WINDOWS_COMMAND_LINE_MAX = 32767


def run(cmd, stdin=None):
    """Runs cmd in the repository's root; its output, or exit naming what failed and why."""
    r = subprocess.run(cmd, input=stdin, capture_output=True, text=True, cwd=ROOT)
    if r.returncode != 0:
        sys.exit(failure(cmd, r.returncode, r.stdout, r.stderr, stdin))
    return r.stdout.replace("\r", "")


def failure(cmd, status, out, err, stdin=None):
    """The message for a failed command: what ran, its status, the end of what it printed."""
    fed = f" (standard input: {len(stdin.splitlines())} lines)" if stdin else ""
    text = [f"diff-upstream: `{' '.join(cmd)}`{fed} exited with status {status}"]
    for name, stream in (("standard error", err), ("standard output", out)):
        if stream.strip():
            text.append(f"--- last lines of its {name}:\n" + "\n".join(stream.strip().splitlines()[-20:]))
    if not err.strip() and not out.strip():
        text.append("it printed nothing, and Wine said nothing (the Makefile's WINEDEBUG keeps "
                    "Wine's start-up errors: is it set to -all?)")
    return "\n".join(text)


def wine(exe, *argv, stdin=None):
    """Runs a Windows program under Wine; names are given on standard input, not argv."""
    cmd = ["wine", os.path.relpath(exe, ROOT), *argv]
    length = sum(len(a) + 3 for a in cmd[1:])  # each quoted, space-separated, as Windows joins them
    if length > WINDOWS_COMMAND_LINE_MAX:
        sys.exit(f"diff-upstream: `{' '.join(cmd)[:200]}...` would be a {length}-character command "
                 f"line, over Windows' {WINDOWS_COMMAND_LINE_MAX}")
    return run(cmd, stdin)


def prepare(args):
    """Checks the source, links it, cuts duration_millis out of it."""
    path = os.path.join(args.mio_src, verify_upstream.UPSTREAM)
    data = open(path, "rb").read()
    expected = verify_upstream.recorded_sha(os.path.join(ROOT, "spec", "README.md"))
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected:
        sys.exit(f"diff-upstream: {path}: SHA-256 {actual} is not the recorded {expected}")
    os.makedirs(os.path.join(args.out, "gen"), exist_ok=True)
    link = os.path.join(ROOT, "build", "upstream", "mio")  # diff_rust.rs's #[path]s name it
    os.makedirs(os.path.dirname(link), exist_ok=True)
    if os.path.islink(link) or os.path.exists(link):
        os.remove(link)
    os.symlink(os.path.abspath(args.mio_src), link)
    lines = data.decode().split("\n")
    first = next(i for i, l in enumerate(lines) if l.startswith("fn duration_millis("))
    first -= lines[first - 1].strip() == "#[inline]"
    last = next(i for i in range(first, len(lines)) if lines[i] == "}")
    text = "\n".join(lines[first:last + 1])
    with open(os.path.join(ROOT, "build", "upstream", "gen", "duration_millis.rs"), "w") as f:
        f.write(f"// Cut from {path} (lines {first + 1}-{last + 1}) by diff_upstream.py; not edited.\n"
                "use std::cmp;\nuse std::time::Duration;\n\n" + text +
                "\n\n/// The private function above, callable from the driver.\n"
                "pub fn call(dur: Option<Duration>) -> u32 {\n    duration_millis(dur)\n}\n")
    return actual, first + 1, last + 1


def build(args):
    """The stand-in rlib, the driver and upstream's tests, for x86_64-pc-windows-gnu."""
    common = [args.rustc, "--edition", "2021", "--target", "x86_64-pc-windows-gnu",
              "-C", "linker=x86_64-w64-mingw32-gcc", "-D", "warnings"]
    rlib = os.path.join(args.out, "libwindows_sys.rlib")
    run(common + ["-O", "--crate-type", "rlib", "--crate-name", "windows_sys",
                  os.path.join(HERE, "windows_sys.rs"), "-o", rlib])
    crate = common + ["--extern", f"windows_sys={rlib}", "--cfg", 'feature="net"',
                      "--cfg", 'feature="os-ext"', os.path.join(HERE, "diff_rust.rs")]
    run(crate + ["-O", "-o", os.path.join(args.out, "diff_rust.exe")])
    run(crate + ["--test", "-o", os.path.join(args.out, "upstream_tests.exe")])


def upstream_tests(args):
    out = wine(os.path.join(args.out, "upstream_tests.exe"), "--test-threads", "1")
    results = dict(re.findall(r"^test iocp::tests::(\w+) \.\.\. (\w+)$", out, re.M))
    print(f"diff-upstream: upstream's tests under Wine: " +
          ", ".join(f"{k} {v}" for k, v in sorted(results.items())))
    return results


def generate(args):
    """A few hundred sequences, deterministic by seed, biased to the operations that matter."""
    rng = random.Random(args.seed)
    folder = os.path.join(args.out, "gen", "sequences")
    os.makedirs(folder, exist_ok=True)
    for old in glob.glob(os.path.join(folder, "*.bin")):
        os.remove(old)
    weights = [1, 6, 5, 3, 3, 4, 4, 1, 2, 1]  # new post get get-long add read write close close-end pair
    for n in range(args.sequences):
        steps = rng.randrange(4, 64)
        data = bytearray()
        for _ in range(steps):
            op = rng.choices(range(10), weights)[0]
            data += bytes([rng.choice(PICKS[op]), rng.randrange(256)])
        with open(os.path.join(folder, f"seed{args.seed}-{n:03d}.bin"), "wb") as f:
            f.write(data)
    return sorted(glob.glob(os.path.join(folder, "*.bin")))


def blocks(trace):
    """Splits a trace into {sequence file: [lines]}."""
    out, name = {}, None
    for line in trace.split("\n"):
        if line.startswith("# "):
            name = line[2:]
            out[name] = []
        elif line and name is not None:
            out[name].append(line)
    return out


def divergence(rust, c):
    for req, pattern, r_out, c_out in DIVERGENCES:
        if pattern.match(rust) and rust.endswith(" " + r_out) and c.endswith(" " + c_out) and \
                rust[:-len(r_out)] == c[:-len(c_out)]:
            return req
    return None


def kinds_of(line):
    return [req for pattern, reqs in KINDS if pattern.match(line) for req in reqs]


def compare_sequences(args, files, tally, reqs):
    names = "".join(name + "\n" for name in files)
    rust = blocks(wine(os.path.join(args.out, "diff_rust.exe"), stdin=names))
    c = blocks(wine(args.c_driver, stdin=names))
    failures = []
    for name in files:
        r_lines, c_lines = rust.get(name, []), c.get(name, [])
        tally["sequences"] += 1
        for i in range(max(len(r_lines), len(c_lines))):
            r = r_lines[i] if i < len(r_lines) else "(no line)"
            cl = c_lines[i] if i < len(c_lines) else "(no line)"
            tally["lines"] += 1
            if "   packet " not in r:
                tally["steps"] += 1
            if r == cl:
                tally["agreements"] += 1
                for req in kinds_of(r):
                    reqs.setdefault(req, "agrees")
                continue
            req = divergence(r, cl)
            if req:
                tally["expected divergences"] += 1
                for k in kinds_of(r):
                    reqs[k] = "expected divergence" if reqs.get(k) != "failure" else "failure"
                continue
            tally["failures"] += 1
            for k in kinds_of(r) or kinds_of(cl):
                reqs[k] = "failure"
            failures.append(f"{name}: step {r.split(' ')[0]}: Rust `{r}`, C `{cl}`")
            break  # later steps follow from this one
    return failures


def compare_durations(args, tally, reqs):
    argv = ("--durations", str(args.seed), str(args.durations))
    rust = wine(os.path.join(args.out, "diff_rust.exe"), *argv).split("\n")
    c = wine(args.c_driver, *argv).split("\n")
    failures, expected = [], {}
    for r, cl in zip(rust, c):
        if not r:
            continue
        tally["duration pairs"] += 1
        if r == cl:
            continue
        req = divergence("0 " + r, "0 " + cl)
        if req:
            expected[req] = expected.get(req, 0) + 1
            tally["duration expected divergences"] += 1
        else:
            tally["duration failures"] += 1
            failures.append(f"duration_millis({r.rsplit(' ', 1)[0]}): upstream {r.rsplit(' ', 1)[1]}, "
                            f"C {cl.rsplit(' ', 1)[1]}")
    if len(rust) != len(c):
        failures.append(f"durations: {len(rust)} lines from Rust, {len(c)} from C")
    for req in DURATION_REQS:
        reqs[req] = "failure" if failures else "expected divergence" if req in expected else "agrees"
    return failures


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mio-src", required=True)
    ap.add_argument("--c-driver", required=True, help="diff_c.exe, cross-built with the module")
    ap.add_argument("--corpus", default=os.path.join(ROOT, "tests", "fuzz", "corpus"))
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "upstream"))
    ap.add_argument("--rustc", default="/usr/bin/rustc", help="Debian's rustc, by path")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--sequences", type=int, default=300)
    ap.add_argument("--durations", type=int, default=1000000)
    args = ap.parse_args()

    sha, first, last = prepare(args)
    print(f"diff-upstream: mio 1.1.0 from {args.mio_src} (SHA-256 {sha[:16]}); "
          f"duration_millis cut from iocp.rs lines {first}-{last}")
    build(args)
    tests = upstream_tests(args)
    tally = dict.fromkeys(["sequences", "lines", "steps", "agreements", "expected divergences",
                           "failures", "duration pairs", "duration expected divergences",
                           "duration failures"], 0)
    reqs = {req: "agrees" if tests.get(name) == "ok" else "failure"
            for req, name in (("IOCP-TEST-1", "is_send_sync"), ("IOCP-TEST-2", "get_many"))}
    files = [os.path.relpath(f, ROOT) for f in
             sorted(glob.glob(os.path.join(args.corpus, "*"))) + generate(args)]
    failures = compare_sequences(args, files, tally, reqs)
    failures += compare_durations(args, tally, reqs)
    failures += [f"upstream test {n}: {v}" for n, v in tests.items() if v != "ok"]
    if len(tests) != 2:
        failures.append(f"upstream's tests: expected is_send_sync and get_many, got {sorted(tests)}")

    sentences = {rid: r["text"] for rid, r in
                 traceability.read_spec(ROOT, traceability.Problems()).items()}
    summary = (f"{tally['sequences']} sequences ({len(files) - args.sequences} from the fuzz corpus, "
               f"{args.sequences} generated with seed {args.seed}), {tally['steps']} steps, "
               f"{tally['lines']} trace lines: {tally['agreements']} agree, "
               f"{tally['expected divergences']} expected divergences, {tally['failures']} failures "
               f"(a sequence stops at its first); "
               f"duration_millis: {tally['duration pairs']} durations, "
               f"{tally['duration expected divergences']} expected divergences, "
               f"{tally['duration failures']} failures")
    print(f"diff-upstream: {summary}")
    for req, *_ in DIVERGENCES:
        print(f"diff-upstream: expected divergence {req}: {sentences.get(req, '?')}")
    with open(os.path.join(args.out, "report.json"), "w") as f:
        json.dump({"source_sha256": sha, "upstream_tests": tests, "tally": tally,
                   "requirements": reqs, "failures": failures,
                   "divergences": {d[0]: sentences.get(d[0], "") for d in DIVERGENCES}}, f, indent=1)
    with open(os.path.join(args.out, "report.md"), "w") as f:
        f.write(f"# mio 1.1.0's iocp.rs beside the C module (make diff-upstream)\n\n{summary}.\n\n"
                "| requirement | upstream (Rust, Wine) |\n|---|---|\n")
        f.writelines(f"| {k} | {v} |\n" for k, v in sorted(reqs.items()))
        f.write("\n## Failures\n\n" + ("".join(f"- {x}\n" for x in failures) or "none\n"))
    for x in failures[:10]:
        print(f"diff-upstream: FAILED: {x}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
