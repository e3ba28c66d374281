# core/local.mk -- keel-server.  Everything but main.c is a convenience library so unit
# tests link the same objects the server runs.
noinst_LTLIBRARIES += core/libkeelcore.la
core_libkeelcore_la_SOURCES = \
	core/aof.c core/aof.h core/aof_load.c core/aof_rec.c core/aof_rec.h core/aof_writer.c core/aof_writer.h \
	core/api.c core/api.h core/api_conn.c core/api_key.c core/api_thread.c \
	core/api_value.c core/api_walk.c \
	core/block.c core/block.h core/busy.c core/busy.h core/wait_cycle.c core/wait_cycle.h core/builtin.c core/builtin.h core/call.c core/call.h core/client_kill.c core/client_kill.h \
	core/client_ctl.c core/client_ctl.h core/client_pause.c core/client_pause.h core/clock.h core/cmdstats.c core/cmdstats.h \
	core/slowlog.c core/slowlog.h core/cmd/slowlog.c core/monitor.c core/monitor.h \
	core/latency.c core/latency.h core/cmd/latency.c core/inst_rate.c core/inst_rate.h \
	core/cmd/admin.c core/cmd/client.c core/cmd/command.c core/cmd/config.c core/cmd/expire.c \
	core/cluster.c core/cluster.h core/cmd/cluster.c \
	core/cmd/db.c core/cmd/dialect.c core/cmd/info.c core/cmd/persist.c core/cmd/keys.c core/cmd/memory.c core/cmd/object.c core/cmd/scan.c core/cmd/server.c core/cmd/stats.c core/cmd/tx.c \
	core/spread.c core/spread.h \
	core/conf.c core/conf.h core/conf_check.c core/conf_check.h core/config_advisory.c core/config_advisory.h \
	core/config_rewrite.c core/config_rewrite.h \
	core/conn.c core/conn.h core/conn_direct.c core/conn_direct.h core/conn_dispatch.c core/conn_dispatch.h core/conn_ext.c core/conn_ext.h core/conn_move.c core/conn_move.h core/db.c core/db.h core/deadline.c core/deadline.h core/evict.c core/evict.h \
	core/evict_policy.c core/evict_policy.h core/expire.c core/expire.h core/expire_lag.c core/expire_lag.h core/gate.c core/gate.h \
	core/keyspace.c core/keyspace.h core/lazyfree.c core/lazyfree.h core/loader.c core/loader.h \
	core/limit.c core/limit.h core/lock.c core/lock.h core/log.c core/log.h core/mem.c core/mem.h core/memusage.c core/memusage.h core/memtype.c core/memtype.h core/net.c core/net.h core/notify.c core/notify.h core/ns.c core/ns.h core/ns_place.c core/ns_due.c core/ns_due.h core/opts.c core/opts.h \
	core/persist.c core/persist.h core/rdb_import.c core/rdb_import.h core/snap_dir.c core/snap_dir.h \
	core/snap_file.c core/snap_file.h core/snap_io.c core/snap_io.h core/snap_pit.c core/snap_pit.h \
	core/snap_shard.c core/snap_shard.h core/snap_z.c core/snap_z.h \
	core/savepoint.c core/savepoint.h \
	core/blob.c core/blob.h core/blob_walk.c core/blob_walk.h core/modconf.c core/modconf.h core/module_rt.c core/module_rt.h \
	core/quiesce.c core/quiesce.h \
	core/registry.c core/registry.h core/server.c core/server.h core/shard.c core/shard.h \
	core/stats.c core/stats.h core/stats_json.c core/stats_json.h \
	core/startup.c core/startup.h core/thread.c core/thread.h core/tls.c core/tls.h core/tx.c core/tx.h core/undo.c core/undo.h core/watch.c core/watch.h \
	core/zvm.h core/zvm_ops.c core/zvm_proc.c core/zvm_program.c core/zvm_reply.c core/zvm_run.c core/zvm_lock.c
core_libkeelcore_la_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/core -DKEEL_CORE \
	-DKEEL_MODULE_DIR='"$(modulesdir)"' \
	$(LIBEVENT_CFLAGS) $(LIBEVENT_PTHREADS_CFLAGS) $(LIBEVENT_OPENSSL_CFLAGS) $(OPENSSL_CFLAGS) \
	$(JANSSON_CFLAGS) $(XXHASH_CFLAGS) $(LZ4_CFLAGS) $(ZSTD_CFLAGS)
core_libkeelcore_la_LIBADD = datakit/libdatakit_pic.la \
	$(LIBEVENT_LIBS) $(LIBEVENT_PTHREADS_LIBS) $(LIBEVENT_OPENSSL_LIBS) $(OPENSSL_LIBS) \
	$(JANSSON_LIBS) $(XXHASH_LIBS) $(LZ4_LIBS) $(ZSTD_LIBS) $(CK_LIBS) $(PTHREAD_LIBS) -lm

bin_PROGRAMS += core/keel-server
core_keel_server_SOURCES = core/main.c
core_keel_server_CPPFLAGS = $(core_libkeelcore_la_CPPFLAGS)
core_keel_server_LDADD = core/libkeelcore.la
core_keel_server_LDFLAGS = $(AM_LDFLAGS) -export-dynamic
