#!/bin/sh
# README's example against an installed copy: the C block of "Using the
# library" is built through pkg-config, once against the shared library and
# once against the static one, and each program is run.  This shows the
# installed header set is complete and the prefixed symbols resolve.
# Usage: check_install.sh DESTDIR PREFIX README WORKDIR
set -eu
destdir=$1 prefix=$2 readme=$3 work=$4
mkdir -p "$work"
awk '/^## Using the library/ {on = 1} on && /^```c$/ {code = 1; next} code && /^```$/ {exit}
     code {print}' "$readme" > "$work/example.c"
grep -q 'int main' "$work/example.c" || { echo "install: no example program in $readme" >&2; exit 1; }
export PKG_CONFIG_SYSROOT_DIR="$destdir" PKG_CONFIG_LIBDIR="$destdir$prefix/lib/pkgconfig"
cflags=$(pkg-config --cflags mio_iocp)
libs=$(pkg-config --libs mio_iocp)
static_libs=$(pkg-config --static --libs-only-other mio_iocp)
libdir="$prefix/lib"
cc -std=c11 -Wall -Wextra -Wpedantic -Werror $cflags -o "$work/example-shared" "$work/example.c" $libs
cc -std=c11 -Wall -Wextra -Wpedantic -Werror $cflags -o "$work/example-static" "$work/example.c" \
  "$destdir$libdir/libmio_iocp.a" $static_libs
LD_LIBRARY_PATH="$destdir$libdir" ldd "$work/example-shared" | grep -q "libmio_iocp.so.$(pkg-config --modversion mio_iocp | cut -d. -f1) => $destdir" \
  || { echo "install: the shared example does not load the installed library" >&2; exit 1; }
! nm "$work/example-static" | grep -q ' U mio_' || { echo "install: the static example has unresolved mio_ symbols" >&2; exit 1; }
for kind in shared static; do
  LD_LIBRARY_PATH="$destdir$libdir" "$work/example-$kind" > "$work/$kind.out" \
    || { echo "install: the $kind example failed" >&2; cat "$work/$kind.out"; exit 1; }
  echo "install: $kind: $(cat "$work/$kind.out")"
done
