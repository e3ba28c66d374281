#!/bin/sh
# deps.sh -- installs what building and testing Keel needs on Debian 12, with apt-get, only when
# something is missing.  Run as root (or with sudo available).
# The tests run Debian's redis-server and memcached binaries themselves, on ports of their own:
# their packages are installed without starting their services, and a service this script newly
# installs is disabled, so Keel's default ports (6379, 11211) stay free on a systemd host.
set -eu
PKGS="build-essential autoconf automake libtool pkg-config
libevent-dev libssl-dev libjansson-dev check libxxhash-dev libck-dev liblz4-dev libzstd-dev
redis-server redis-tools memcached libmemcached-tools python3 python3-redis python3-pymemcache
openssl clang clang-format libclang-rt-14-dev binutils procps iproute2
libluajit-5.1-dev lua-cjson-dev
prometheus-redis-exporter nutcracker python3-prometheus-client
debhelper fakeroot dpkg-dev curl"
src=$(cd "$(dirname "$0")/.." && pwd)
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
# Node.js for the tests that drive Keel with ioredis and bullmq (tests/node): Debian's, unless a
# node and npm are on the PATH already
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
command -v npm >/dev/null 2>&1 || missing="$missing npm"

# tests/node's client libraries, at the versions package-lock.json pins (npm's registry); when
# that fails the tests that need them say so and skip
node_clients() {
    [ -d "$src/tests/node/node_modules" ] && return 0
    [ -f "$src/tests/node/package-lock.json" ] || return 0
    echo "deps.sh: npm ci in tests/node (ioredis, bullmq)"
    (cd "$src/tests/node" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) ||
        echo "deps.sh: WARNING: npm ci failed: the Node.js client tests will be skipped"
}

if [ -z "$missing" ]; then
    echo "deps.sh: every package is installed"
    node_clients
    exit 0
fi
echo "deps.sh: installing (apt-get, a few minutes on a fresh machine):$missing"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
echo "deps.sh: apt-get update..."
$SUDO apt-get update -qq
# A policy-rc.d that answers 101 ("action forbidden") keeps the packages' maintainer scripts from
# starting redis-server or memcached; one already in place is left alone.
guard=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod 755 /usr/sbin/policy-rc.d
    guard=yes
fi
status=0
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing || status=$?
[ -n "$guard" ] && $SUDO rm -f /usr/sbin/policy-rc.d
[ "$status" -eq 0 ] || exit "$status"
for daemon in redis-server memcached prometheus-redis-exporter nutcracker; do
    case " $missing " in
    *" $daemon "*)
        if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
            $SUDO systemctl disable --now "$daemon" >/dev/null 2>&1 || true
            echo "deps.sh: $daemon installed for the tests; its service is disabled"
        fi
        ;;
    esac
done
echo "deps.sh: installed"
node_clients
