#!/bin/sh
# build.sh [DIR [configure args...]] -- configures (once) and builds Keel out of tree in DIR
# (default: build/ under the source tree).
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-"$src/build"}
[ $# -gt 0 ] && shift
[ -x "$src/configure" ] || (cd "$src" && autoreconf -fi >/dev/null)
mkdir -p "$dir"
cd "$dir"
if [ ! -f Makefile ]; then
    # autoconf's probes try to remove a file named "core"; Keel has a core/ folder: hide the noise
    "$src/configure" -q --enable-werror "$@" 2>&1 | grep -v "cannot remove 'core'" || true
    [ -f Makefile ] || { echo "build.sh: configure failed (see $dir/config.log)" >&2; exit 1; }
fi
make -j"$(nproc)" >/dev/null
