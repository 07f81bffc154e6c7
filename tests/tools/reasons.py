"""Reads the project's reviewed lists: one entry a line, fields split by ' | ',
the last field the reason; blank lines and lines starting with # are skipped.
The second field, a line of C, may hold ' | ' itself: the extra separators
are taken to be its own.
Used by coverage_gate.py (uncovered lines) and mutate.py (equivalent mutants)."""
import sys


def load(path, fields):
    """Map (all fields but the reason) -> reason; exits naming the bad line."""
    entries = {}
    for n, raw in enumerate(open(path, encoding="utf-8"), 1):
        raw = raw.strip()
        if not raw or raw.startswith("#"):
            continue
        parts = [p.strip() for p in raw.split(" | ")]
        extra = len(parts) - len(fields)
        if extra > 0:  # a C line with a bitwise or in it
            parts = [parts[0], " | ".join(parts[1:2 + extra])] + parts[2 + extra:]
        if len(parts) != len(fields) or not parts[-1]:
            sys.exit(f"{path}:{n}: expected '{' | '.join(fields)}'")
        entries[tuple(parts[:-1])] = parts[-1]
    return entries
