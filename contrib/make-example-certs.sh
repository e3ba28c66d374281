#!/bin/sh
# make-example-certs.sh [DIR] -- writes the self-signed certificates keel-networks.json's TLS
# network names (rsa.crt/rsa.key, ec.crt/ec.key) into DIR (default: this script's directory).
# For trying the example only: real deployments use certificates from their own CA.
set -eu
dir=${1:-$(dirname "$0")}
cd "$dir"
openssl req -x509 -newkey rsa:2048 -nodes -keyout rsa.key -out rsa.crt -days 365 \
    -subj "/CN=localhost" 2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ec.key -out ec.crt \
    -days 365 -subj "/CN=localhost" 2>/dev/null
echo "make-example-certs.sh: rsa.crt rsa.key ec.crt ec.key written in $dir"
