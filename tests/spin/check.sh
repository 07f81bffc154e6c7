#!/bin/sh
# Model-checks tests/spin/port.pml with SPIN, exhaustively, then checks that
# the deliberately broken variants fail, so the check is shown able to fail.
# Usage: check.sh BUILD_DIR [NG]
set -eu
out=$1
ng=${2:-2}
model=$(cd "$(dirname "$0")" && pwd)/port.pml
mkdir -p "$out"
cd "$out"

# run VARIANT_FLAGS: prints pan's report; sets errors and states
run() {
  rm -f pan pan.* port.pml.trail
  spin -a -DNG="$ng" "$@" "$model" >/dev/null
  ${CC:-cc} -O2 -DSAFETY -DCOLLAPSE -w -o pan pan.c
  ./pan -m200000 > report.txt 2>&1 || true
  errors=$(sed -n 's/.*errors: \([0-9]*\).*/\1/p' report.txt)
  states=$(sed -n 's/^ *\([0-9.e+]*\) states, stored.*/\1/p' report.txt)
  [ -n "$errors" ] || { cat report.txt; echo "spin: no verdict from pan" >&2; exit 1; }
}

run
if [ "$errors" != 0 ] || grep -q "max search depth too small" report.txt; then
  cat report.txt
  echo "spin: FAILED: the port protocol violates a property (trail: $out/port.pml.trail)" >&2
  exit 1
fi
echo "spin: port protocol OK for $ng getters, 2 posts, 1 I/O request, 1 close, concurrency 1, the memory freed after its grace period: $states states, 0 errors"
for variant in FIFO NOWAKE EARLYLEAVE NOREF OVERLIMIT NOACTIVATE; do
  run -D$variant
  if [ "$errors" = 0 ]; then
    echo "spin: FAILED: the broken variant $variant passed; the check cannot tell" >&2
    exit 1
  fi
  echo "spin: broken variant $variant fails as it must: $(grep -m1 -E 'violated|invalid end state' report.txt)"
done
