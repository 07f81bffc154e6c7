#!/usr/bin/env python3
"""Tests of traceability.py: a clean fixture passes, and each broken rule fails with its message.

Each case builds a small project (spec, source, test, runner list, design
document, committed CSV) in a temporary directory, breaks one rule, and runs
traceability.py --check on it.  Python 3 standard library only.
"""
import os
import subprocess
import sys
import tempfile
import unittest

TOOL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "traceability.py")

SPEC = """# Fixture spec

\\anchor IOCP-A-1
**IOCP-A-1** The function a returns zero.
<br>*invariant* · seed: Sec · mio: L10-12 · rust: `fn a`

\\anchor IOCP-A-2
**IOCP-A-2** The function a takes no argument.
<br>*descriptive* · seed: Sec · mio: L10-12 · rust: `fn a`

\\anchor IOCP-A-3
**IOCP-A-3** A doc comment names a function that does not exist.
<br>*not code* · seed: — · mio: L1-2 · rust: `missing`
"""

SOURCE = """/**
 * @satisfies{IOCP-A-1}
 * @satisfies{IOCP-A-2}
 */
int a(void) {
  return 0;
}
"""

TEST = """/** @verifies{IOCP-A-1} */
static void test_a_1(void) {
  CU_ASSERT_EQUAL(a(), 0);
}

CU_TestInfo suite_s[] = {{"IOCP-A-1", test_a_1}, CU_TEST_INFO_NULL};
"""

SEED = """# fixture seed
## Sec
- `a()` (L10-12) - the function
"""


class Fixture:
    def __init__(self, root):
        self.root = root
        self.files = {"spec/a.md": SPEC, "src/a.c": SOURCE, "tests/t.c": TEST,
                      "registered.tsv": "s\tIOCP-A-1\n", "seed.txt": SEED}
        self.write()
        self.run("--write")  # the committed CSV of the clean fixture

    def write(self):
        for name, text in self.files.items():
            path = os.path.join(self.root, name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)

    def edit(self, name, old, new):
        assert old in self.files[name], (name, old)
        self.files[name] = self.files[name].replace(old, new, 1)
        self.write()

    def run(self, mode="--check"):
        return subprocess.run(
            [sys.executable, TOOL, "--root", self.root,
             "--registered", os.path.join(self.root, "registered.tsv"),
             "--seed", os.path.join(self.root, "seed.txt"),
             mode, os.path.join(self.root, "traceability.csv")],
            capture_output=True, text=True)


class TraceCheck(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.fx = Fixture(self.tmp.name)

    def tearDown(self):
        self.tmp.cleanup()

    def assertFails(self, *needles):
        r = self.fx.run()
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        for needle in needles:
            self.assertIn(needle, r.stderr)

    def test_clean_fixture_passes(self):
        r = self.fx.run()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("trace: OK; 3 requirements", r.stdout)

    def test_requirement_without_implementation(self):
        self.fx.edit("src/a.c", " * @satisfies{IOCP-A-1}\n", "")
        self.assertFails("spec/a.md:3: IOCP-A-1: invariant requirement has no @satisfies")

    def test_invariant_without_test(self):
        self.fx.edit("tests/t.c", '{"IOCP-A-1", test_a_1}, ', "")
        self.fx.edit("tests/t.c", "/** @verifies{IOCP-A-1} */\n", "")
        self.fx.edit("registered.tsv", "s\tIOCP-A-1\n", "")
        self.assertFails("spec/a.md:3: IOCP-A-1: invariant has no test")

    def test_invariant_with_two_tests(self):
        self.fx.edit("tests/t.c", "CU_TestInfo suite_s[]", """/** @verifies{IOCP-A-1} */
static void test_a_1_again(void) {
}

CU_TestInfo suite_u[] = {{"IOCP-A-1", test_a_1_again}, CU_TEST_INFO_NULL};
CU_TestInfo suite_s[]""")
        self.fx.edit("registered.tsv", "s\tIOCP-A-1\n", "s\tIOCP-A-1\nu\tIOCP-A-1\n")
        self.assertFails("IOCP-A-1: invariant has 2 tests (u/IOCP-A-1, s/IOCP-A-1)")

    def test_test_verifying_nothing(self):
        self.fx.edit("tests/t.c", "/** @verifies{IOCP-A-1} */\n", "")
        self.assertFails("tests/t.c:5: IOCP-A-1: test test_a_1 verifies 0 requirements")

    def test_test_verifying_two(self):
        self.fx.edit("tests/t.c", "@verifies{IOCP-A-1}", "@verifies{IOCP-A-1} @verifies{IOCP-A-2}")
        self.assertFails("tests/t.c:1: IOCP-A-1: test test_a_1 verifies 2 requirements")

    def test_unknown_id_in_code(self):
        self.fx.edit("src/a.c", "@satisfies{IOCP-A-2}", "@satisfies{IOCP-A-9}")
        self.assertFails("src/a.c:1: IOCP-A-9: @satisfies names an unknown ID")

    def test_unknown_id_in_test(self):
        self.fx.edit("tests/t.c", "@verifies{IOCP-A-1}", "@verifies{IOCP-A-8}")
        self.assertFails("tests/t.c:1: IOCP-A-8: @verifies names an unknown ID")

    def test_id_defined_twice(self):
        self.fx.edit("spec/a.md", "\\anchor IOCP-A-3\n**IOCP-A-3**", "\\anchor IOCP-A-1\n**IOCP-A-1**")
        self.assertFails("spec/a.md:11: IOCP-A-1: defined twice (first at spec/a.md:3)")

    def test_matrix_test_not_in_runner(self):
        self.fx.edit("registered.tsv", "s\tIOCP-A-1\n", "")
        self.assertFails("tests/t.c:6: IOCP-A-1: test s/IOCP-A-1 is not registered in the runner")

    def test_runner_test_not_in_matrix(self):
        self.fx.edit("registered.tsv", "s\tIOCP-A-1\n", "s\tIOCP-A-1\ns\tIOCP-A-7\n")
        self.assertFails("runner --list: IOCP-A-7: registered test s/IOCP-A-7 has no annotated source")

    def test_edited_sentence_makes_csv_stale(self):
        self.fx.edit("spec/a.md", "returns zero.", "returns 0.")
        self.assertFails("traceability.csv: differs from the annotations; run `make trace`")

    def test_moved_function_makes_csv_stale(self):
        self.fx.edit("src/a.c", "/**\n", "\n\n/**\n")
        self.assertFails("differs from the annotations", "+IOCP-A-1,invariant,Sec,L10-12,fn a,"
                         "spec/a.md:3,a,src/a.c:7-9,s,IOCP-A-1,test_a_1,")

    def test_lines_outside_the_file(self):
        self.fx.edit("spec/a.md", "mio: L1-2", "mio: L280-290")
        self.assertFails("spec/a.md:11: IOCP-A-3: mio lines L280-290 outside L1-282")

    def test_lines_disagree_with_design_document(self):
        self.fx.edit("spec/a.md", "seed: Sec · mio: L10-12 · rust: `fn a`\n\n\\anchor IOCP-A-2",
                     "seed: Sec · mio: L13-14 · rust: `fn a`\n\n\\anchor IOCP-A-2")
        self.assertFails("spec/a.md:3: IOCP-A-1: mio lines L13-14 disagree with the design "
                         "document's range for 'a' in 'Sec' (L10-12)")


if __name__ == "__main__":
    unittest.main(verbosity=2)
