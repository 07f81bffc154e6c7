#!/bin/sh
# The exported ABI: the shared library's dynamic symbols are exactly the
# committed list, its soname is the major version's, and the static library
# defines no global symbol outside the project's prefixes (mio_, mio__,
# iocp_model_), so that neither can clash with a program's own names.
# Usage: check_abi.sh LIB.so LIB.a SONAME LIST
set -eu
so=$1 a=$2 soname=$3 list=$4
out=$(mktemp)
trap 'rm -f "$out"' EXIT
nm -D --defined-only "$so" | awk '{print $3}' | LC_ALL=C sort > "$out"
if ! diff -u "$list" "$out"; then
  echo "abi: $so exports other symbols than $list (lines + are exported and not listed)" >&2
  exit 1
fi
got=$(readelf -d "$so" | sed -n 's/.*Library soname: \[\(.*\)\].*/\1/p')
[ "$got" = "$soname" ] || { echo "abi: soname is '$got', not $soname" >&2; exit 1; }
stray=$(nm -g --defined-only "$a" | awk 'NF == 3 {print $3}' | grep -v -E '^(mio_|iocp_model_)' || true)
[ -z "$stray" ] || { echo "abi: $a defines global symbols outside the prefixes: $stray" >&2; exit 1; }
echo "abi: $(wc -l < "$out") exported symbols, as listed; soname $soname; static globals prefixed"
