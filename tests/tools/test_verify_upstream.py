#!/usr/bin/env python3
"""Tests of verify_upstream.py on fixture files built from traceability.csv.

No upstream code is used: the fixture is 282 filler lines with each row's Rust
item written on the first line of its range.  Python 3 standard library only.
"""
import csv
import hashlib
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TOOL = os.path.join(HERE, "verify_upstream.py")
CSV = os.path.join(os.path.dirname(os.path.dirname(HERE)), "traceability.csv")


def fixture_lines():
    lines = [f"// filler {n}" for n in range(1, 283)]
    for row in csv.DictReader(open(CSV, encoding="utf-8")):
        if row["mio_lines"] == "—":  # a C API requirement: no upstream lines
            continue
        first = int(row["mio_lines"][1:].split("-")[0])
        if row["rust_item"] not in lines[first - 1]:
            lines[first - 1] += " " + row["rust_item"]
    return lines


class VerifyUpstream(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.file = os.path.join(self.tmp.name, "src", "sys", "windows", "iocp.rs")
        os.makedirs(os.path.dirname(self.file))

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, lines):
        data = ("\n".join(lines) + "\n").encode()
        with open(self.file, "wb") as f:
            f.write(data)
        return hashlib.sha256(data).hexdigest()

    def run_tool(self, *extra):
        return subprocess.run([sys.executable, TOOL, "--mio-src", self.tmp.name, *extra],
                              capture_output=True, text=True)

    def test_matching_file_passes(self):
        sha = self.write(fixture_lines())
        r = self.run_tool("--sha256", sha)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("cited ranges hold their Rust items", r.stdout)

    def test_other_file_fails_on_the_recorded_hash(self):
        sha = self.write(fixture_lines())
        r = self.run_tool()
        self.assertEqual(r.returncode, 1)
        self.assertIn(f"SHA-256 {sha} is not the recorded 480c1b05e9cb7e37", r.stderr)

    def test_shifted_file_names_the_first_mismatch(self):
        lines = fixture_lines()
        sha = self.write(["// one line more"] + lines)
        r = self.run_tool("--sha256", sha)
        self.assertEqual(r.returncode, 1)
        # A one-line shift leaves items inside their wider ranges; the
        # one-line ranges catch it.
        self.assertIn("verify-upstream: first mismatch: IOCP-ADD-7: `feature = \"os-ext\"` "
                      "is not in L76-76 (found at L77)", r.stderr)

    def test_item_missing_from_its_range(self):
        lines = fixture_lines()
        lines[233] = "// filler 234"  # where `fn duration_millis` was
        sha = self.write(lines)
        r = self.run_tool("--sha256", sha)
        self.assertEqual(r.returncode, 1)
        self.assertIn("IOCP-DM-2: `fn duration_millis` is not in L234-248 (not found in the file)",
                      r.stderr)

    def test_missing_source(self):
        r = subprocess.run([sys.executable, TOOL, "--mio-src", os.path.join(self.tmp.name, "no")],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 1)
        self.assertIn("cannot read", r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
