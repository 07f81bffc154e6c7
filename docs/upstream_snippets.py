#!/usr/bin/env python3
"""Writes build/docs/gen/iocp.rs.txt: the upstream Rust lines the docs quote.

Every range the docs cite, the walkthrough's section headings (`## L97-125:`),
the @mio{first,last} marks of the model and the `iocp.rs L<first>-<last>.`
that opens each function of src/iocp.c, becomes one Doxygen snippet
named `rust-L<first>-<last>`, taken from a located mio 1.1.0 whose iocp.rs has
the SHA-256 recorded in spec/README.md (the check verify-upstream makes).
Without a source, or with another file, each snippet says how to get one and
where the lines are on GitHub; the pages still link there.  The docs never
commit upstream text: this file lives under build/.  Python 3 stdlib only.
Usage: upstream_snippets.py [--mio-src DIR] OUT
"""
import argparse
import glob
import hashlib
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "tools"))
import verify_upstream  # noqa: E402

GITHUB = "https://github.com/tokio-rs/mio/blob/v1.1.0/src/sys/windows/iocp.rs"
FOUND = "// upstream: mio 1.1.0 src/sys/windows/iocp.rs, SHA-256 checked"


def ranges():
    found = set()
    for line in open(os.path.join(ROOT, "docs", "walkthrough.md"), encoding="utf-8"):
        m = re.match(r"^## L(\d+)-(\d+):", line)
        if m:
            found.add((int(m.group(1)), int(m.group(2))))
    for path in glob.glob(os.path.join(ROOT, "src", "**", "*.[ch]"), recursive=True):
        for m in re.finditer(r"@mio\{(\d+),(\d+)\}|iocp\.rs L(\d+)-(\d+)\. \*/",
                             open(path, encoding="utf-8").read()):
            first, last = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
            found.add((int(first), int(last)))
    return sorted(found)


def source_lines(mio_src):
    """The file's lines if it is mio 1.1.0's iocp.rs, else (None, why not)."""
    if not mio_src:
        return None, "no mio 1.1.0 source was found (MIO_SRC, the cargo registry, or a clone of v1.1.0)"
    path = os.path.join(mio_src, verify_upstream.UPSTREAM)
    try:
        data = open(path, "rb").read()
    except OSError as e:
        return None, f"{path} cannot be read ({e.strerror})"
    expected = verify_upstream.recorded_sha(os.path.join(ROOT, "spec", "README.md"))
    if hashlib.sha256(data).hexdigest() != expected:
        return None, f"{path} is not mio 1.1.0's iocp.rs (its SHA-256 differs from the recorded one)"
    return data.decode("utf-8").split("\n"), None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mio-src", default="")
    ap.add_argument("out")
    args = ap.parse_args()
    lines, why = source_lines(args.mio_src)
    out = [FOUND if lines else f"// upstream: not found: {why}"]
    for first, last in ranges():
        name = f"[rust-L{first}-{last}]"
        out.append(f"// {name}")
        if lines:
            out.extend(lines[first - 1:last])
        else:
            out.append(f"// mio 1.1.0's iocp.rs lines {first}-{last} are not shown here: {why}.")
            out.append(f"// Read them at {GITHUB}#L{first}-L{last}, or run")
            out.append("// make docs MIO_SRC=<a mio-1.1.0 directory> to quote them.")
        out.append(f"// {name}")
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")
    print(f"docs: {len(ranges())} upstream ranges, "
          f"{'quoted from ' + args.mio_src if lines else 'not quoted: ' + why}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
