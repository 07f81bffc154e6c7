#!/bin/sh
# Builds CUnit for x86_64 Windows from Debian's own `cunit` source package.
# The source is fetched through a sources list that belongs to this build
# (DIR/aptsrc), never through the machine's apt configuration, and the
# library is built once: DIR/cunit/libcunit.a and DIR/cunit/include/CUnit/.
# Usage: tests/win32/cunit.sh DIR
set -eu

dir=$1
out=$dir/cunit
[ -f "$out/libcunit.a" ] && exit 0
src=$dir/aptsrc
mkdir -p "$src/lists/partial" "$out/obj" "$out/include"
src=$(cd "$src" && pwd)

# The machine's own Debian mirror, from deb822 or one-line sources.
uri=$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -n 1)
[ -n "$uri" ] || uri=$(sed -n 's/^deb  *\(\[[^]]*\] *\)\{0,1\}\(http[^ ]*\) .*/\2/p' /etc/apt/sources.list 2>/dev/null | grep -v security | head -n 1)
[ -n "$uri" ] || uri=http://deb.debian.org/debian
. /etc/os-release
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -f "$keyring" ] || keyring=/usr/share/keyrings/ubuntu-archive-keyring.gpg
cat > "$src/project.sources" <<EOT
Types: deb-src
URIs: $uri
Suites: ${VERSION_CODENAME:-bookworm}
Components: main
Signed-By: $keyring
EOT
apt() {
  apt-get -q -o APT::Sandbox::User=root -o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts="$src" \
    -o Dir::State::Lists="$src/lists" "$@"
}
echo "cunit: fetching Debian's cunit source package from $uri"
apt update >/dev/null
(cd "$src" && apt source --download-only cunit >/dev/null)
tarball=$(ls "$src"/cunit_*.orig.tar.* | head -n 1)
rm -rf "$src/tree" && mkdir -p "$src/tree"
tar -xf "$tarball" -C "$src/tree" --strip-components=1

cc=x86_64-w64-mingw32-gcc
h=$src/tree/CUnit/Headers
for f in Framework/CUError Framework/MyMem Framework/TestDB Framework/TestRun Framework/Util \
         Basic/Basic Automated/Automated; do
  $cc -O2 -w -I"$h" -c "$src/tree/CUnit/Sources/$f.c" -o "$out/obj/$(basename $f).o"
done
x86_64-w64-mingw32-ar rcs "$out/libcunit.a" "$out"/obj/*.o
mkdir -p "$out/include/CUnit"
cp "$h"/*.h "$out/include/CUnit/"
echo "cunit: built $out/libcunit.a from $(basename "$tarball")"
