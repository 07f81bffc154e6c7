#!/usr/bin/env python3
"""Tests of diff_upstream.py's comparison: only the listed divergences pass.

No Wine and no upstream code: the traces are written here.  Stdlib only.
"""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import diff_upstream as d  # noqa: E402


class Divergences(unittest.TestCase):
    def test_zero_length_list_panics_upstream_and_gives_87_in_c(self):
        self.assertEqual(d.divergence("5 get len 0 -> panic", "5 get len 0 -> 87 removed 0"),
                         "IOCP-GM-13")

    def test_other_c_outcome_is_a_failure(self):
        self.assertIsNone(d.divergence("5 get len 0 -> panic", "5 get len 0 -> 0 removed 1"))

    def test_other_step_is_a_failure(self):
        self.assertIsNone(d.divergence("5 get len 0 -> panic", "6 get len 0 -> 87 removed 0"))
        self.assertIsNone(d.divergence("5 post port 0 bytes 1 key 0 ov 0 -> panic",
                                       "5 post port 0 bytes 1 key 0 ov 0 -> 87 removed 0"))

    def test_invalid_duration_saturates_in_c(self):
        self.assertEqual(d.divergence("0 18446744073709551615 1000000000 panic",
                                      "0 18446744073709551615 1000000000 4294967295"), "IOCP-DM-9")
        self.assertIsNone(d.divergence("0 18446744073709551615 1000000000 panic",
                                       "0 18446744073709551615 1000000000 4294967294"))
        self.assertIsNone(d.divergence("0 5 1000000000 panic", "0 6 1000000000 4294967295"))

    def test_every_line_kind_names_requirements(self):
        for line in ["0 new port 0 -> 0", "3 roundtrip port 1 -> same",
                     "4 post port 0 bytes 1 key 0 ov 8 -> 0", "6   packet key 0 bytes 1 ov 8 internal 0",
                     "7 add end 1 port 0 key 3 -> 0", "8 read end 1 len 3 -> 997 bytes 0",
                     "9 close port 1", "2 get port 0 len 1 timeout 0s0ns -> 258 removed 0 ms 0"]:
            self.assertTrue(d.kinds_of(line), line)


class Commands(unittest.TestCase):
    def test_a_command_line_over_the_windows_limit_is_refused_before_wine_runs(self):
        names = ["tests/fuzz/corpus/" + "0" * 40] * 600  # 35,400 characters
        with self.assertRaises(SystemExit) as cm:
            d.wine("build/upstream/diff_rust.exe", *names)
        self.assertIn("over Windows' 32767", str(cm.exception.code))

    def test_a_failure_names_the_command_its_status_and_its_last_words(self):
        text = d.failure(["wine", "x.exe"], 3, "", "boom\n", "a\nb\n")
        self.assertIn("`wine x.exe` (standard input: 2 lines) exited with status 3", text)
        self.assertIn("boom", text)
        self.assertIn("Wine said nothing", d.failure(["wine", "x.exe"], 1, "", ""))

    def test_run_feeds_standard_input_and_fails_with_the_message(self):
        count = [sys.executable, "-c", "import sys; print(len(sys.stdin.read().split()))"]
        self.assertEqual(d.run(count, "a\nb\nc\n").strip(), "3")
        with self.assertRaises(SystemExit) as cm:
            d.run([sys.executable, "-c", "import sys; sys.exit('no such file')"])
        self.assertIn("exited with status 1", cm.exception.code)
        self.assertIn("no such file", cm.exception.code)


class Sequences(unittest.TestCase):
    def test_blocks_split_by_file(self):
        self.assertEqual(d.blocks("# a\n0 x\n1 y\n# b\n0 z\n"), {"a": ["0 x", "1 y"], "b": ["0 z"]})


if __name__ == "__main__":
    unittest.main()
