#!/bin/sh
# Copies into the site the long runs' reports that exist: coverage, mutation,
# the upstream differential and the bench.  The pages link one only when
# make docs found it (docs/docs.mk's DOCS_SECTIONS), and otherwise say which
# command fills it, so nothing is copied for a report that was not made.
# Usage: reports.sh SITE BUILD UPSTREAM_OUT
set -eu
site=$1
build=$2
upstream=$3
if [ -f "$build/coverage/index.html" ]; then
  mkdir -p "$site/coverage"
  cp "$build"/coverage/*.html "$site/coverage/"
  cp "$build"/coverage/*.css "$site/coverage/" 2>/dev/null || true
fi
report=$(ls -t "$build/mutation/report.md" "$build/mutation-module/report.md" 2>/dev/null | head -1 || true)
if [ -n "$report" ]; then
  mkdir -p "$site/mutation"
  cp "$report" "$site/mutation/report.md"
fi
if [ -f "$upstream/report.md" ]; then
  mkdir -p "$site/upstream"
  cp "$upstream/report.md" "$site/upstream/report.md"
fi
if [ -f "$build/bench/report.md" ] && [ -f "$build/bench/ratios.svg" ]; then
  mkdir -p "$site/bench"
  cp "$build/bench/report.md" "$build/bench/ratios.svg" "$site/bench/"
fi
