#!/usr/bin/env python3
"""Writes the snippets that put each function of src/iocp.c beside its Rust.

For each function, read from the comment that opens it in src/iocp.c
(`/* <design-document section>; iocp.rs L<first>-<last>. */`):
- GEN/iocp_snippets.c, snippet `snippet-<function>`: its definition, and
  snippet `contract-<function>`: its ACSL contract, which the pages fold;
- GEN/iocp_snippets.rs.txt, snippet `rust-<function>`: the upstream lines,
  copied from GEN/iocp.rs.txt (docs/upstream_snippets.py, run first).
The function pages quote both (`@side_by_side{function}`, docs/Doxyfile), and
the walkthrough the first; the source carries no snippet markers.
Usage: c_snippets.py GEN.  Python 3 stdlib only.
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OPENING = re.compile(r"^/\* .+; iocp\.rs L(\d+)-(\d+)\. \*/$")
NAME = re.compile(r"(mio_\w+)\(")


def definition_end(lines, start):
    """The line closing the first brace block that opens at or after `start`."""
    depth, seen = 0, False
    for j in range(start, len(lines)):
        code = re.sub(r"/\*.*?\*/", "", lines[j])
        depth += code.count("{") - code.count("}")
        seen = seen or "{" in code
        if seen and depth == 0:
            return j
    sys.exit(f"c_snippets: no end of the definition after line {start + 1}")


def functions(lines):
    """(name, first, last, contract, definition) of each function that opens with its
    upstream lines."""
    i = 0
    while i < len(lines):
        m = OPENING.match(lines[i])
        if m:
            j = i + 1
            while lines[j].lstrip().startswith("/*@"):  # the contract, then the definition
                while "*/" not in lines[j]:
                    j += 1
                j += 1
            end = definition_end(lines, j)
            yield (NAME.search(lines[j]).group(1), m.group(1), m.group(2), lines[i + 1:j],
                   lines[j:end + 1])
            i = end
        i += 1


def rust_blocks(path):
    """The blocks of iocp.rs.txt, by name: rust-L<first>-<last> -> lines."""
    blocks, name = {}, None
    for line in open(path, encoding="utf-8").read().split("\n"):
        m = re.match(r"^// \[(rust-L\d+-\d+)\]$", line)
        if m:
            name = None if name == m.group(1) else m.group(1)
            blocks.setdefault(m.group(1), [])
        elif name:
            blocks[name].append(line)
    return blocks


def main(gen):
    lines = open(os.path.join(ROOT, "src", "iocp.c"), encoding="utf-8").read().split("\n")
    rust = rust_blocks(os.path.join(gen, "iocp.rs.txt"))
    c_out, rust_out, names = [], [], []
    for name, first, last, contract, body in functions(lines):
        names.append(name)
        if f"rust-L{first}-{last}" not in rust:
            sys.exit(f"c_snippets: iocp.rs.txt has no lines {first}-{last} (for {name})")
        c_out += [f"/* [snippet-{name}] */", *body, f"/* [snippet-{name}] */", "",
                  f"/* [contract-{name}] */", *contract, f"/* [contract-{name}] */", ""]
        rust_out += [f"// [rust-{name}]", f"// mio 1.1.0 src/sys/windows/iocp.rs lines {first}-{last}",
                     *rust[f"rust-L{first}-{last}"], f"// [rust-{name}]", ""]
    with open(os.path.join(gen, "iocp_snippets.c"), "w", encoding="utf-8") as f:
        f.write("/* src/iocp.c, function by function, for the docs (docs/c_snippets.py). */\n\n")
        f.write("\n".join(c_out))
    with open(os.path.join(gen, "iocp_snippets.rs.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(rust_out))
    print(f"docs: {len(names)} functions of src/iocp.c beside their Rust in {gen}")


if __name__ == "__main__":
    main(sys.argv[1])
