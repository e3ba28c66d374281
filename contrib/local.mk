# contrib/local.mk -- example configs (one simple, one with every kind of network), an example
# on_startup program and the systemd unit, shipped in the tarball for packagers.
EXTRA_DIST += contrib/keel.service contrib/keel.json contrib/keel-networks.json contrib/announce.sh
