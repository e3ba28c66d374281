# contrib/local.mk -- example config and systemd unit, shipped in the tarball for packagers.
EXTRA_DIST += contrib/keel.service contrib/keel.json
