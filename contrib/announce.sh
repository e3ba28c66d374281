#!/bin/sh
# announce.sh -- an example on_startup program: keel-server runs it once it listens, with the
# network's name, host, port, tls|notls and protocol (contrib/keel-networks.json names it for
# the "app" network, whose port the system picks).  Replace the echo with a registration in
# your service directory.
name=$1 host=$2 port=$3 tls=$4 protocol=$5
echo "keel network $name: $protocol on $host:$port ($tls)"
