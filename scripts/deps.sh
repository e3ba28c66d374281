#!/bin/sh
# deps.sh -- installs what building and testing Keel needs on Debian 12, with apt-get, only when
# something is missing.  Run as root (or with sudo available).
set -eu
PKGS="build-essential autoconf automake libtool pkg-config
libevent-dev libssl-dev libjansson-dev check libxxhash-dev libck-dev liblz4-dev libzstd-dev
redis-server redis-tools memcached libmemcached-tools python3 python3-redis python3-pymemcache
openssl clang libclang-rt-14-dev binutils procps iproute2
libluajit-5.1-dev lua-cjson-dev python3-prometheus-client curl"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -z "$missing" ]; then
    echo "deps.sh: every package is installed"
    exit 0
fi
echo "deps.sh: installing (apt-get, a few minutes on a fresh machine):$missing"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
echo "deps.sh: apt-get update..."
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
echo "deps.sh: installed"
