# docs/local.mk -- the manual page and the documentation shipped in the tarball.
dist_man_MANS += docs/keel-server.1 docs/keel.conf.5
EXTRA_DIST += docs/packaging.md docs/scale-out.md docs/architecture.md docs/config.md docs/module-guide.md docs/commands.md \
	docs/commands-strings.md docs/commands-lists.md docs/commands-sets.md docs/commands-hll.md docs/commands-sbitset.md docs/commands-pubsub.md \
	docs/commands-maps.md docs/commands-scripting.md docs/namespaces.md docs/notifications.md docs/networks.md docs/memcache.md docs/compatibility.md \
	docs/testing.md docs/persistence.md docs/http-metrics.md docs/performance.md
