#!/bin/sh
# make prove: Frama-C WP proves the ACSL contracts of src/iocp.c, taking the
# contracts of tests/proof/os_assumptions.h as given, with -wp-rte (no
# overflow, no invalid access anywhere).  Fails unless every goal is proved.
# Frama-C 25 cannot parse _Alignof, which only the headers' static layout
# checks use (the compilers check those); it is read as a constant here.
# Usage: prove.sh OUTDIR
set -eu
out=$1
mkdir -p "$out"
start=$(date +%s)
status=0
frama-c -c11 \
  -cpp-extra-args="-Isrc -Itests/proof -D_POSIX_C_SOURCE=200809L '-D_Alignof(x)=8' -include os_assumptions.h" \
  -wp -wp-rte -wp-prover z3,cvc4 -wp-timeout 30 -wp-par 2 -wp-out "$out/goals" \
  src/iocp.c > "$out/wp.log" 2>&1 || status=$?
seconds=$(( $(date +%s) - start ))
grep -E '^\[wp\] \[(Failed|Unknown|Timeout|Stepout)\]' "$out/wp.log" || true
summary=$(sed -n 's/^\[wp\] Proved goals: *\([0-9]*\) \/ *\([0-9]*\).*/\1 \2/p' "$out/wp.log")
if [ "$status" -ne 0 ] || [ -z "$summary" ]; then
  tail -20 "$out/wp.log"
  echo "prove: Frama-C failed (exit $status); log in $out/wp.log" >&2
  exit 1
fi
set -- $summary
clauses=$(grep -c -E '(ensures|assigns|requires|assumes) +IOCP_[A-Z]+_[0-9]+ *:' src/iocp.c)
echo "prove: $1 / $2 goals proved in ${seconds} s (z3, cvc4); $clauses requirement clauses in src/iocp.c"
[ "$1" = "$2" ] || { echo "prove: FAILED: $(( $2 - $1 )) goal(s) not proved; log in $out/wp.log" >&2; exit 1; }
