#!/bin/sh
# deps.sh -- installs what building and testing Keel needs on Debian 12, with apt-get, only when
# something is missing.  Run as root (or with sudo available).
set -eu
PKGS="build-essential autoconf automake libtool pkg-config
libevent-dev libssl-dev libjansson-dev check libxxhash-dev libck-dev liblz4-dev libzstd-dev
redis-server redis-tools memcached libmemcached-tools python3 python3-redis python3-pymemcache
openssl clang libclang-rt-14-dev binutils procps iproute2"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps.sh: installing:$missing"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
