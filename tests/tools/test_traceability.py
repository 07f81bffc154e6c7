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
<br>evidence: *upstream* · [iocp.rs L10-12](https://github.com/tokio-rs/mio/blob/v1.1.0/src/sys/windows/iocp.rs#L10-L12)

\\anchor IOCP-A-2
**IOCP-A-2** The function a takes no argument.
<br>*descriptive* · seed: Sec · mio: L10-12 · rust: `fn a`
<br>evidence: *upstream* · [iocp.rs L10-12](https://github.com/tokio-rs/mio/blob/v1.1.0/src/sys/windows/iocp.rs#L10-L12)

\\anchor IOCP-A-3
**IOCP-A-3** A doc comment names a function that does not exist.
<br>*not code* · seed: — · mio: L1-2 · rust: `missing`
<br>evidence: *upstream* · [iocp.rs L1-2](https://github.com/tokio-rs/mio/blob/v1.1.0/src/sys/windows/iocp.rs#L1-L2)
"""

OS_SPEC = """# Fixture OS spec

\\anchor OS-B-1
**OS-B-1** The OS does b.
<br>*descriptive* · seed: — · mio: L10-12 · rust: `fn a`
<br>evidence: *observed on Wine only* · `tests/t.c` (OS-B-1, passes under Wine 8.0).
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

CU_TestInfo suite_s[] = {{"IOCP-A-1: a returns zero", test_a_1}, CU_TEST_INFO_NULL};
"""

SEED = """# fixture seed
## Sec
- `a()` (L10-12) - the function
"""


class Fixture:
    def __init__(self, root):
        self.root = root
        self.files = {"spec/a.md": SPEC, "src/a.c": SOURCE, "tests/t.c": TEST,
                      "registered.tsv": "s\tIOCP-A-1: a returns zero\n", "seed.txt": SEED}
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
        self.assertFails("spec/a.md:3: IOCP-A-1: invariant requirement has no implementation")

    def test_statement_mark_is_an_implementation(self):
        self.fx.edit("src/a.c", " * @satisfies{IOCP-A-1}\n", "")
        self.fx.edit("src/a.c", "  return 0;", "  return 0; /* IOCP-A-1 */")
        self.fx.run("--write")
        self.assertEqual(self.fx.run().returncode, 0)
        row = [l for l in open(os.path.join(self.fx.root, "traceability.csv")) if l.startswith("IOCP-A-1,")]
        self.assertIn(",a,src/a.c:5,", row[0])

    def test_statement_mark_alone_marks_the_line_below(self):
        self.fx.edit("src/a.c", " * @satisfies{IOCP-A-1}\n", "")
        self.fx.edit("src/a.c", "  return 0;", "  /* IOCP-A-1: the value\n   * IOCP-A-2 */\n\n  return 0;")
        self.fx.run("--write")
        rows = {l.split(",")[0]: l for l in open(os.path.join(self.fx.root, "traceability.csv"))}
        self.assertIn(",a,src/a.c:8,", rows["IOCP-A-1"])
        self.assertIn(",a;a,src/a.c:8;src/a.c:4-9,", rows["IOCP-A-2"])

    def test_statement_mark_naming_an_unknown_id(self):
        self.fx.edit("src/a.c", "  return 0;", "  return 0; /* IOCP-A-8 */")
        self.assertFails("src/a.c:6: IOCP-A-8: a requirement mark names an unknown ID (in a)")

    def test_statement_mark_outside_a_function(self):
        self.fx.edit("src/a.c", "/**\n", "static const int k = 1; /* IOCP-A-1 */\n/**\n", )
        self.fx.edit("src/a.c", "int a(void) {\n  return 0;\n}\n", "")
        self.assertFails("src/a.c:1: IOCP-A-1: a requirement mark outside any function")

    def test_invariant_without_test(self):
        self.fx.edit("tests/t.c", '{"IOCP-A-1: a returns zero", test_a_1}, ', "")
        self.fx.edit("tests/t.c", "/** @verifies{IOCP-A-1} */\n", "")
        self.fx.edit("registered.tsv", "s\tIOCP-A-1: a returns zero\n", "")
        self.assertFails("spec/a.md:3: IOCP-A-1: invariant has no test")

    def test_invariant_with_two_tests(self):
        self.fx.edit("tests/t.c", "CU_TestInfo suite_s[]", """/** @verifies{IOCP-A-1} */
static void test_a_1_again(void) {
}

CU_TestInfo suite_u[] = {{"IOCP-A-1: a returns zero again", test_a_1_again}, CU_TEST_INFO_NULL};
CU_TestInfo suite_s[]""")
        self.fx.edit("registered.tsv", "s\tIOCP-A-1: a returns zero\n", "s\tIOCP-A-1: a returns zero\nu\tIOCP-A-1: a returns zero again\n")
        self.assertFails("IOCP-A-1: invariant has 2 tests (u/IOCP-A-1, s/IOCP-A-1)")

    def test_test_registered_without_a_phrase(self):
        self.fx.edit("tests/t.c", '{"IOCP-A-1: a returns zero", test_a_1}', '{"IOCP-A-1", test_a_1}')
        self.fx.edit("registered.tsv", "s\tIOCP-A-1: a returns zero\n", "s\tIOCP-A-1\n")
        self.assertFails("IOCP-A-1: test test_a_1 is registered as 'IOCP-A-1'; register it as 'IOCP-A-1: <what it shows>'")

    def test_test_verifying_nothing(self):
        self.fx.edit("tests/t.c", "/** @verifies{IOCP-A-1} */\n", "")
        self.assertFails("tests/t.c:5: IOCP-A-1: test test_a_1 verifies 0 requirements")

    def test_test_verifying_two(self):
        self.fx.edit("tests/t.c", "@verifies{IOCP-A-1}", "@verifies{IOCP-A-1} @verifies{IOCP-A-2}")
        self.assertFails("tests/t.c:1: IOCP-A-1: test test_a_1 verifies 2 requirements")

    def test_unknown_id_in_code(self):
        self.fx.edit("src/a.c", "@satisfies{IOCP-A-2}", "@satisfies{IOCP-A-9}")
        self.assertFails("src/a.c:1: IOCP-A-9: @satisfies names an unknown ID")

    def test_acsl_clause_naming_an_unknown_id(self):
        self.fx.edit("src/a.c", "int a(void) {", "/*@ assigns \\nothing;\n    ensures IOCP_A_7: \\result == 0; */\nint a(void) {")
        self.assertFails("src/a.c:6: IOCP-A-7: an ACSL clause names an unknown ID")

    def test_acsl_clause_marks_its_requirement_proved(self):
        self.fx.edit("src/a.c", "int a(void) {", "/*@ ensures IOCP_A_1: \\result == 0; */\nint a(void) {")
        self.assertFails("traceability.csv: differs from the annotations", "proved: src/a.c:5")

    def test_unknown_id_in_test(self):
        self.fx.edit("tests/t.c", "@verifies{IOCP-A-1}", "@verifies{IOCP-A-8}")
        self.assertFails("tests/t.c:1: IOCP-A-8: @verifies names an unknown ID")

    def test_id_defined_twice(self):
        self.fx.edit("spec/a.md", "\\anchor IOCP-A-3\n**IOCP-A-3**", "\\anchor IOCP-A-1\n**IOCP-A-1**")
        self.assertFails("spec/a.md:13: IOCP-A-1: defined twice (first at spec/a.md:3)")

    def test_matrix_test_not_in_runner(self):
        self.fx.edit("registered.tsv", "s\tIOCP-A-1: a returns zero\n", "")
        self.assertFails("tests/t.c:6: IOCP-A-1: test s/IOCP-A-1: a returns zero is not registered in the runner")

    def test_runner_test_not_in_matrix(self):
        self.fx.edit("registered.tsv", "s\tIOCP-A-1: a returns zero\n", "s\tIOCP-A-1: a returns zero\ns\tIOCP-A-7\n")
        self.assertFails("runner --list: IOCP-A-7: registered test s/IOCP-A-7 has no annotated source")

    def test_edited_sentence_makes_csv_stale(self):
        self.fx.edit("spec/a.md", "returns zero.", "returns 0.")
        self.assertFails("traceability.csv: differs from the annotations; run `make trace`")

    def test_moved_function_makes_csv_stale(self):
        self.fx.edit("src/a.c", "/**\n", "\n\n/**\n")
        self.assertFails("differs from the annotations", "+IOCP-A-1,invariant,Sec,L10-12,fn a,"
                         "spec/a.md:3,upstream,")

    def test_requirement_without_evidence(self):
        self.fx.edit("spec/a.md", "<br>evidence: *upstream* · [iocp.rs L10-12]", "[iocp.rs L10-12]")
        self.assertFails("spec/a.md:3: IOCP-A-1: no evidence line")

    def test_unknown_evidence_kind(self):
        self.fx.edit("spec/a.md", "*upstream* · [iocp.rs L10-12]", "*folklore* · [iocp.rs L10-12]")
        self.assertFails("spec/a.md:3: IOCP-A-1: evidence kind 'folklore' is not one of")

    def test_os_requirement_needs_os_evidence(self):
        self.fx.files["spec/os.md"] = OS_SPEC.replace(
            "*observed on Wine only* · `tests/t.c`", "*upstream* · https://github.com/tokio-rs/mio/blob/v1.1.0/x `tests/t.c`")
        self.fx.files["src/a.c"] = self.fx.files["src/a.c"].replace(" * @satisfies{IOCP-A-2}", " * @satisfies{IOCP-A-2}\n * @satisfies{OS-B-1}")
        self.fx.write()
        self.assertFails("IOCP", "OS-B-1: an OS requirement needs OS evidence")

    def test_evidence_must_cite_its_source(self):
        self.fx.edit("spec/a.md", "*upstream* · [iocp.rs L10-12]", "*documented* · [iocp.rs L10-12]")
        self.assertFails("IOCP-A-1: 'documented' evidence must cite a Microsoft Learn page")

    def test_model_choice_needs_a_reason(self):
        self.fx.edit("spec/a.md", "*upstream* · [iocp.rs L10-12]", "*model's choice* · [iocp.rs L10-12]")
        self.assertFails("IOCP-A-1: 'model's choice' evidence must cite the reason")

    def test_evidence_citing_a_missing_file(self):
        self.fx.edit("spec/a.md", "(https://github.com/tokio-rs/mio/blob/v1.1.0/src/sys/windows/iocp.rs#L10-L12)",
                     "(https://github.com/tokio-rs/mio/blob/v1.1.0/src/sys/windows/iocp.rs#L10-L12), `tests/gone.c`")
        self.assertFails("IOCP-A-1: evidence cites tests/gone.c, which is not in the repository")

    def test_c_api_requirement_has_no_upstream_range(self):
        self.fx.edit("spec/a.md", "*upstream* · [iocp.rs L10-12]", "*C API* · [iocp.rs L10-12]")
        self.assertFails("IOCP-A-1: a 'C API' requirement, and only one, has no upstream range")

    def test_citation_outside_the_repository(self):
        outside = "." + "./sha" + "red/notes.md"  # spelt apart: this file must not cite it
        self.fx.edit("src/a.c", "/**\n", f"/* see {outside} */\n/**\n")
        self.assertFails("src/a.c:1: cites '.' + './', outside the repository".replace("' + '", ""))

    def test_without_design_document_says_so(self):
        r = subprocess.run([sys.executable, TOOL, "--root", self.fx.root, "--registered",
                            os.path.join(self.fx.root, "registered.tsv"), "--check",
                            os.path.join(self.fx.root, "traceability.csv")],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("design-document ranges NOT checked", r.stdout)

    def test_missing_design_document_fails(self):
        os.remove(os.path.join(self.fx.root, "seed.txt"))
        self.assertFails("seed.txt: design document not found")

    def test_lines_outside_the_file(self):
        self.fx.edit("spec/a.md", "mio: L1-2", "mio: L280-290")
        self.assertFails("spec/a.md:13: IOCP-A-3: mio lines L280-290 outside L1-282")

    def test_lines_disagree_with_design_document(self):
        self.fx.edit("spec/a.md", "seed: Sec · mio: L10-12 · rust: `fn a`\n<br>evidence: *upstream* · [iocp.rs L10-12]",
                     "seed: Sec · mio: L13-14 · rust: `fn a`\n<br>evidence: *upstream* · [iocp.rs L10-12]")
        self.assertFails("spec/a.md:3: IOCP-A-1: mio lines L13-14 disagree with the design "
                         "document's range for 'a' in 'Sec' (L10-12)")


if __name__ == "__main__":
    unittest.main(verbosity=2)
