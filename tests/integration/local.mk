# tests/integration/local.mk -- tests that start a real keel-server and drive it with real clients
# (redis-cli, python3-redis, pymemcache).  Run with Debian's python, which has those modules.
TEST_EXTENSIONS = .py .sh
PY_LOG_COMPILER = /usr/bin/python3
SH_LOG_COMPILER = /bin/sh
AM_TESTS_ENVIRONMENT += PYTHONPATH='$(abs_top_srcdir)/tests/integration'; export PYTHONPATH; \
	PYTHONDONTWRITEBYTECODE=1; export PYTHONDONTWRITEBYTECODE;

INTEGRATION_TESTS = \
	tests/integration/test_core_namespaces.py \
	tests/integration/test_pubsub.py \
	tests/integration/test_pubsub_compat.py \
	tests/integration/test_pubsub_namespaces.py \
	tests/integration/test_notify.py \
	tests/integration/test_notify_compat.py \
	tests/integration/test_sdk_example.py \
	tests/integration/test_harness_conformance.py \
	tests/integration/test_sdk_aggregate.py \
	tests/integration/test_sdk_out_of_tree.py \
	tests/integration/test_strings.py \
	tests/integration/test_strings_compat.py \
	tests/integration/test_strings_bits.py \
	tests/integration/test_sbitset.py \
	tests/integration/test_bits_compat.py \
	tests/integration/test_strings_multi.py \
	tests/integration/test_strings_numbers.py \
	tests/integration/test_server.py \
	tests/integration/test_server_reports.py \
	tests/integration/test_http_metrics.py \
	tests/integration/test_config_rewrite.py \
	tests/integration/test_persistence.py \
	tests/integration/test_snapshot_compression.py \
	tests/integration/test_bgsave_pit.py \
	tests/integration/test_aof.py \
	tests/integration/test_aof_runtime.py \
	tests/integration/test_rdb_import.py \
	tests/integration/test_modules.py \
	tests/integration/test_module_runtime.py \
	tests/integration/test_keys.py \
	tests/integration/test_databases.py \
	tests/integration/test_databases_config.py \
	tests/integration/test_databases_concurrency.py \
	tests/integration/test_databases_compat.py \
	tests/integration/test_expire.py \
	tests/integration/test_expire_instant.py \
	tests/integration/test_scan.py \
	tests/integration/test_resp_protocol.py \
	tests/integration/test_bad_input.py \
	tests/integration/test_memcache.py \
	tests/integration/test_memcache_compat.py \
	tests/integration/test_memcache_tools.py \
	tests/integration/test_memcache_binary.py \
	tests/integration/test_eviction.py \
	tests/integration/test_eviction_compat.py \
	tests/integration/test_memcache_access.py \
	tests/integration/test_maps_compat.py \
	tests/integration/test_networks.py \
	tests/integration/test_networks_config.py \
	tests/integration/test_networks_permissions.py \
	tests/integration/test_tenant_isolation.py \
	tests/integration/test_docs_fresh.py \
	tests/integration/test_tls.py \
	tests/integration/test_reply_syntax.py \
	tests/integration/test_stats.py \
	tests/integration/test_lists.py \
	tests/integration/test_lists_compat.py \
	tests/integration/test_lists_block.py \
	tests/integration/test_lists_latency.py \
	tests/integration/test_maps.py \
	tests/integration/test_namespaces.py \
	tests/integration/test_namespaces_big.py \
	tests/integration/test_namespaces_escape.py \
	tests/integration/test_namespaces_depth.py \
	tests/integration/test_namespaces_spread_calls.py \
	tests/integration/test_sets.py \
	tests/integration/test_sets_compat.py \
	tests/integration/test_zsets.py \
	tests/integration/test_zsets_compat.py \
	tests/integration/test_geo.py \
	tests/integration/test_geo_compat.py \
	tests/integration/test_btree.py \
	tests/integration/test_dump_restore.py \
	tests/integration/test_streams.py \
	tests/integration/test_streams_access.py \
	tests/integration/test_streams_compat.py \
	tests/integration/test_streams_pel.py \
	tests/integration/test_streams_yield.py \
	tests/integration/test_sets_big.py \
	tests/integration/test_hll.py \
	tests/integration/test_hll_compat.py \
	tests/integration/test_limits.py \
	tests/integration/test_client_ctl.py \
	tests/integration/test_contrib.py \
	tests/integration/test_cmdstats.py \
	tests/integration/test_exporter.py \
	tests/integration/test_twemproxy.py \
	tests/integration/test_cluster.py \
	tests/integration/test_node_clients.py \
	tests/integration/test_client_lifecycle.py \
	tests/integration/test_object_encoding.py \
	tests/integration/test_sort.py \
	tests/integration/test_out_of_memory.py \
	tests/integration/test_transactions_compat.py \
	tests/integration/test_scripting.py \
	tests/integration/test_scripting_busy.py \
	tests/integration/test_scripting_undeclared.py \
	tests/integration/test_scripting_compat.py \
	tests/integration/test_transactions.py \
	tests/integration/test_conn_move.py \
	tests/integration/test_direct_replies.py \
	tests/integration/test_config_compat.py \
	tests/integration/test_dialect.py

# What `make check` runs of them (scripts/test-all's distcheck narrows it to a smoke set: the
# whole suite has run twice by then, in the normal and the sanitizer build).
INTEGRATION_TESTS_RUN = $(INTEGRATION_TESTS)
TESTS += $(INTEGRATION_TESTS_RUN)
EXTRA_DIST += $(INTEGRATION_TESTS) tests/integration/keel_harness.py \
	tests/integration/memcache_bin.py
