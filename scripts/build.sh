#!/bin/sh
# build.sh [DIR [configure args...]] -- configures (once) and builds Keel out of tree in DIR
# (default: build/ under the source tree), saying what it does and how long each part took.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-"$src/build"}
[ $# -gt 0 ] && shift
say() { printf 'build.sh: %s\n' "$*"; }
since() { printf '%ss' $(($(date +%s) - $1)); }
if [ ! -x "$src/configure" ]; then
    t=$(date +%s)
    say "generating ./configure (autoreconf)..."
    (cd "$src" && autoreconf -fi >/dev/null 2>&1) || { say "autoreconf failed" >&2; exit 1; }
    say "configure generated in $(since "$t")"
fi
mkdir -p "$dir"
cd "$dir"
if [ ! -f Makefile ]; then
    t=$(date +%s)
    say "configuring $dir${*:+ ($*)}..."
    # autoconf's probes try to remove a file named "core"; Keel has a core/ folder: hide the noise
    "$src/configure" -q --enable-werror "$@" 2>&1 | grep -v "cannot remove 'core'" || true
    [ -f Makefile ] || { echo "build.sh: configure failed (see $dir/config.log)" >&2; exit 1; }
    say "configured in $(since "$t")"
fi
t=$(date +%s)
jobs=$(nproc)
say "building in $dir (make -j$jobs)..."
if ! make -j"$jobs" >make.out 2>&1; then
    tail -n 60 make.out >&2
    echo "build.sh: make failed in $dir (whole output: $dir/make.out)" >&2
    exit 1
fi
say "built in $(since "$t")"
