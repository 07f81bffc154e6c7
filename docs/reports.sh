#!/bin/sh
# Copies the latest coverage, mutation, upstream-differential and bench reports into the docs site, or, where
# none was made, a page that says how to make one, so the site's links hold.
set -eu
site=$1
build=${2:-build} # the build folder the reports were written to
mkdir -p "$site/coverage" "$site/mutation" "$site/upstream" "$site/bench"
placeholder() { # placeholder FILE TARGET
  printf '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Not made yet</title></head>'"\
"'<body><p>No report yet: run <code>make %s</code>, then <code>make docs</code>.</p></body></html>\n' "$2" > "$1"
}
if [ -f "$build/coverage/index.html" ]; then
  cp "$build"/coverage/*.html "$build"/coverage/*.css "$site/coverage/" 2>/dev/null ||
    cp "$build"/coverage/*.html "$site/coverage/"
else
  placeholder "$site/coverage/index.html" coverage
fi
report=$(ls -t "$build/mutation/report.md" "$build/mutation-module/report.md" 2>/dev/null | head -1 || true)
if [ -n "$report" ]; then
  cp "$report" "$site/mutation/report.md"
else
  printf 'No report yet: run make mutate (or make check-mutate-module), then make docs.\n' > "$site/mutation/report.md"
fi
if [ -f build/upstream/report.md ]; then # fixed: see tests/upstream/upstream.mk
  cp build/upstream/report.md "$site/upstream/report.md"
else
  printf 'No report yet: run make diff-upstream, then make docs.\n' > "$site/upstream/report.md"
fi
if [ -f "$build/bench/report.md" ] && [ -f "$build/bench/ratios.svg" ]; then
  cp "$build/bench/report.md" "$build/bench/ratios.svg" "$site/bench/"
else
  printf 'No report yet: run make bench, then make docs.\n' > "$site/bench/report.md"
  printf '<svg xmlns="http://www.w3.org/2000/svg" width="640" height="40"><text x="8" y="24">No chart yet: run make bench, then make docs.</text></svg>\n' > "$site/bench/ratios.svg"
fi
