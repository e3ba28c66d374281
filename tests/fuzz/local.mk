# tests/fuzz/local.mk -- fuzz targets.  FUZZ_TARGETS is the one list of them; a target X has
#   tests/fuzz/fuzz_X.c           its LLVMFuzzerTestOneInput
#   tests/fuzz/corpus/X/          its seed corpus (checked in)
#   tests/fuzz/settings/X.dict    a libFuzzer dictionary, and X.flags extra flags (both optional)
#   tests/fuzz/fuzz_X_replay      replay.c + the target, in every build: `make check` replays seeds
#   tests/fuzz/fuzz_X             the libFuzzer binary: configure --enable-fuzzing CC=clang
# tests/fuzz/run-fuzzers.sh runs the libFuzzer binaries: scripts/test-all for a bounded time each,
# scripts/fuzz-long for an hour in all.  Adding a target: its .c and corpus, a block below (replay
# and libFuzzer programs, under its module's switch), and its name appended to FUZZ_TARGETS there.
FUZZ_TARGETS =
EXTRA_DIST += tests/fuzz/corpus tests/fuzz/settings tests/fuzz/run-fuzzers.sh

FUZZ_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/unit -I$(top_srcdir)/sdk/harness
FUZZ_CORE_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/core -I$(top_srcdir)/tests/fuzz -DKEEL_CORE \
	-DFUZZ_MODULE_DIR='"$(abs_top_builddir)/.modules"' \
	$(LIBEVENT_CFLAGS) $(JANSSON_CFLAGS) $(OPENSSL_CFLAGS)
# libFuzzer's main; every object already carries its coverage (configure --enable-fuzzing)
FUZZER_LINKING = $(AM_LDFLAGS) -fsanitize=fuzzer

# ---- the JSON config checker (core/conf.c, core/conf_check.c) ----
FUZZ_TARGETS += conf_check
check_PROGRAMS += tests/fuzz/fuzz_conf_check_replay
TESTS += tests/fuzz/fuzz_conf_check_replay
tests_fuzz_fuzz_conf_check_replay_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_conf_check.c
tests_fuzz_fuzz_conf_check_replay_CPPFLAGS = $(FUZZ_CORE_CPPFLAGS) \
	-DFUZZ_CORPUS='"tests/fuzz/corpus/conf_check"'
tests_fuzz_fuzz_conf_check_replay_LDADD = core/libkeelcore.la
if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_conf_check
tests_fuzz_fuzz_conf_check_SOURCES = tests/fuzz/fuzz_conf_check.c
tests_fuzz_fuzz_conf_check_CPPFLAGS = $(FUZZ_CORE_CPPFLAGS)
tests_fuzz_fuzz_conf_check_LDFLAGS = $(FUZZER_LINKING)
tests_fuzz_fuzz_conf_check_LDADD = core/libkeelcore.la
endif

# ---- the append-only log's reader (core/aof_rec.c) ----
FUZZ_TARGETS += aof_reader
check_PROGRAMS += tests/fuzz/fuzz_aof_reader_replay
TESTS += tests/fuzz/fuzz_aof_reader_replay
tests_fuzz_fuzz_aof_reader_replay_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_aof_reader.c
tests_fuzz_fuzz_aof_reader_replay_CPPFLAGS = $(FUZZ_CORE_CPPFLAGS) \
	-DFUZZ_CORPUS='"tests/fuzz/corpus/aof_reader"'
tests_fuzz_fuzz_aof_reader_replay_LDADD = core/libkeelcore.la
if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_aof_reader
tests_fuzz_fuzz_aof_reader_SOURCES = tests/fuzz/fuzz_aof_reader.c
tests_fuzz_fuzz_aof_reader_CPPFLAGS = $(FUZZ_CORE_CPPFLAGS)
tests_fuzz_fuzz_aof_reader_LDFLAGS = $(FUZZER_LINKING)
tests_fuzz_fuzz_aof_reader_LDADD = core/libkeelcore.la
endif

# ---- the snapshot file reader with compressed blocks (core/snap_file.c, core/snap_z.c) ----
FUZZ_TARGETS += snap_file
check_PROGRAMS += tests/fuzz/fuzz_snap_file_replay
TESTS += tests/fuzz/fuzz_snap_file_replay
tests_fuzz_fuzz_snap_file_replay_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_snap_file.c
tests_fuzz_fuzz_snap_file_replay_CPPFLAGS = $(FUZZ_CORE_CPPFLAGS) \
	-DFUZZ_CORPUS='"tests/fuzz/corpus/snap_file"'
tests_fuzz_fuzz_snap_file_replay_LDADD = core/libkeelcore.la
if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_snap_file
tests_fuzz_fuzz_snap_file_SOURCES = tests/fuzz/fuzz_snap_file.c
tests_fuzz_fuzz_snap_file_CPPFLAGS = $(FUZZ_CORE_CPPFLAGS)
tests_fuzz_fuzz_snap_file_LDFLAGS = $(FUZZER_LINKING)
tests_fuzz_fuzz_snap_file_LDADD = core/libkeelcore.la
endif

if MODULE_RESP
FUZZ_RESP_LIBS = proto/resp/libresp.la sdk/harness/libkeelharness.la datakit/libdatakit_pic.la -lm

# ---- the RESP parser and encoder ----
FUZZ_TARGETS += resp_parse resp_encode
check_PROGRAMS += tests/fuzz/fuzz_resp_parse_replay tests/fuzz/fuzz_resp_encode_replay
TESTS += tests/fuzz/fuzz_resp_parse_replay tests/fuzz/fuzz_resp_encode_replay
tests_fuzz_fuzz_resp_parse_replay_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_resp_parse.c
tests_fuzz_fuzz_resp_parse_replay_CPPFLAGS = $(FUZZ_CPPFLAGS) \
	-DFUZZ_CORPUS='"tests/fuzz/corpus/resp_parse"'
tests_fuzz_fuzz_resp_parse_replay_LDADD = $(FUZZ_RESP_LIBS)
tests_fuzz_fuzz_resp_encode_replay_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_resp_encode.c \
	tests/unit/resp_wire.c tests/unit/resp_wire.h
tests_fuzz_fuzz_resp_encode_replay_CPPFLAGS = $(FUZZ_CPPFLAGS) \
	-DFUZZ_CORPUS='"tests/fuzz/corpus/resp_encode"'
tests_fuzz_fuzz_resp_encode_replay_LDADD = $(FUZZ_RESP_LIBS)
if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_resp_parse tests/fuzz/fuzz_resp_encode
tests_fuzz_fuzz_resp_parse_SOURCES = tests/fuzz/fuzz_resp_parse.c
tests_fuzz_fuzz_resp_parse_CPPFLAGS = $(FUZZ_CPPFLAGS)
tests_fuzz_fuzz_resp_parse_LDFLAGS = $(FUZZER_LINKING)
tests_fuzz_fuzz_resp_parse_LDADD = $(FUZZ_RESP_LIBS)
tests_fuzz_fuzz_resp_encode_SOURCES = tests/fuzz/fuzz_resp_encode.c tests/unit/resp_wire.c
tests_fuzz_fuzz_resp_encode_CPPFLAGS = $(FUZZ_CPPFLAGS)
tests_fuzz_fuzz_resp_encode_LDFLAGS = $(FUZZER_LINKING)
tests_fuzz_fuzz_resp_encode_LDADD = $(FUZZ_RESP_LIBS)
endif

if MODULE_STRINGS
if MODULE_MAPS
# ---- namespace command sequences through the whole server, in process ----
FUZZ_TARGETS += ns_commands
FUZZ_NS_FILES = tests/fuzz/fuzz_ns_commands.c tests/fuzz/fuzz_ns_profile.h tests/fuzz/inproc_server.c \
	tests/fuzz/fuzz_admin.c tests/fuzz/fuzz_admin.h \
	tests/fuzz/inproc_server.h tests/fuzz/resp_reply.c tests/fuzz/resp_reply.h \
	tests/unit/resp_wire.c tests/unit/resp_wire.h
check_PROGRAMS += tests/fuzz/fuzz_ns_commands_replay
TESTS += tests/fuzz/fuzz_ns_commands_replay
tests_fuzz_fuzz_ns_commands_replay_SOURCES = tests/fuzz/replay.c $(FUZZ_NS_FILES)
tests_fuzz_fuzz_ns_commands_replay_CPPFLAGS = $(FUZZ_CORE_CPPFLAGS) -I$(top_srcdir)/tests/unit \
	-DFUZZ_CORPUS='"tests/fuzz/corpus/ns_commands"'
tests_fuzz_fuzz_ns_commands_replay_LDFLAGS = $(AM_LDFLAGS) -export-dynamic
tests_fuzz_fuzz_ns_commands_replay_LDADD = core/libkeelcore.la
if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_ns_commands
tests_fuzz_fuzz_ns_commands_SOURCES = $(FUZZ_NS_FILES)
tests_fuzz_fuzz_ns_commands_CPPFLAGS = $(FUZZ_CORE_CPPFLAGS) -I$(top_srcdir)/tests/unit
tests_fuzz_fuzz_ns_commands_LDFLAGS = $(FUZZER_LINKING) -export-dynamic
tests_fuzz_fuzz_ns_commands_LDADD = core/libkeelcore.la
endif
endif
endif
endif

if MODULE_MEMCACHE
if MODULE_MCITEMS
FUZZ_MC_LIBS = proto/memcache/libmemcache.la modules/memcache/libmcitems.la sdk/harness/libkeelharness.la \
	datakit/libdatakit_pic.la -lm

# ---- the memcached text, meta and binary parsers, and whole memcached sessions ----
FUZZ_TARGETS += memcache_parse memcache_session memcache_bin_parse
check_PROGRAMS += tests/fuzz/fuzz_memcache_parse_replay tests/fuzz/fuzz_memcache_session_replay \
	tests/fuzz/fuzz_memcache_bin_parse_replay
TESTS += tests/fuzz/fuzz_memcache_parse_replay tests/fuzz/fuzz_memcache_session_replay \
	tests/fuzz/fuzz_memcache_bin_parse_replay
tests_fuzz_fuzz_memcache_parse_replay_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_memcache_parse.c
tests_fuzz_fuzz_memcache_parse_replay_CPPFLAGS = $(FUZZ_CPPFLAGS) \
	-DFUZZ_CORPUS='"tests/fuzz/corpus/memcache_parse"'
tests_fuzz_fuzz_memcache_parse_replay_LDADD = $(FUZZ_MC_LIBS)

tests_fuzz_fuzz_memcache_bin_parse_replay_SOURCES = tests/fuzz/replay.c \
	tests/fuzz/fuzz_memcache_bin_parse.c
tests_fuzz_fuzz_memcache_bin_parse_replay_CPPFLAGS = $(FUZZ_CPPFLAGS) \
	-DFUZZ_CORPUS='"tests/fuzz/corpus/memcache_bin_parse"'
tests_fuzz_fuzz_memcache_bin_parse_replay_LDADD = $(FUZZ_MC_LIBS)

tests_fuzz_fuzz_memcache_session_replay_SOURCES = tests/fuzz/replay.c \
	tests/fuzz/fuzz_memcache_session.c
tests_fuzz_fuzz_memcache_session_replay_CPPFLAGS = $(FUZZ_CPPFLAGS) \
	-DFUZZ_CORPUS='"tests/fuzz/corpus/memcache_session"'
tests_fuzz_fuzz_memcache_session_replay_LDADD = $(FUZZ_MC_LIBS)
if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_memcache_parse tests/fuzz/fuzz_memcache_session \
	tests/fuzz/fuzz_memcache_bin_parse
tests_fuzz_fuzz_memcache_parse_SOURCES = tests/fuzz/fuzz_memcache_parse.c
tests_fuzz_fuzz_memcache_parse_CPPFLAGS = $(FUZZ_CPPFLAGS)
tests_fuzz_fuzz_memcache_parse_LDFLAGS = $(FUZZER_LINKING)
tests_fuzz_fuzz_memcache_parse_LDADD = $(FUZZ_MC_LIBS)
tests_fuzz_fuzz_memcache_session_SOURCES = tests/fuzz/fuzz_memcache_session.c
tests_fuzz_fuzz_memcache_session_CPPFLAGS = $(FUZZ_CPPFLAGS)
tests_fuzz_fuzz_memcache_session_LDFLAGS = $(FUZZER_LINKING)
tests_fuzz_fuzz_memcache_session_LDADD = $(FUZZ_MC_LIBS)
tests_fuzz_fuzz_memcache_bin_parse_SOURCES = tests/fuzz/fuzz_memcache_bin_parse.c
tests_fuzz_fuzz_memcache_bin_parse_CPPFLAGS = $(FUZZ_CPPFLAGS)
tests_fuzz_fuzz_memcache_bin_parse_LDFLAGS = $(FUZZER_LINKING)
tests_fuzz_fuzz_memcache_bin_parse_LDADD = $(FUZZ_MC_LIBS)
endif
endif
endif

if MODULE_DUMP
# ---- dump.so's RDB value decoder (RESTORE payloads, each value of an RDB file) ----
FUZZ_TARGETS += rdb_value
check_PROGRAMS += tests/fuzz/fuzz_rdb_value_replay
TESTS += tests/fuzz/fuzz_rdb_value_replay
tests_fuzz_fuzz_rdb_value_replay_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_rdb_value.c
tests_fuzz_fuzz_rdb_value_replay_CPPFLAGS = $(FUZZ_CPPFLAGS) \
	-DFUZZ_CORPUS='"tests/fuzz/corpus/rdb_value"'
tests_fuzz_fuzz_rdb_value_replay_LDADD = modules/dump/librdbcodec.la -lm
if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_rdb_value
tests_fuzz_fuzz_rdb_value_SOURCES = tests/fuzz/fuzz_rdb_value.c
tests_fuzz_fuzz_rdb_value_CPPFLAGS = $(FUZZ_CPPFLAGS)
tests_fuzz_fuzz_rdb_value_LDFLAGS = $(FUZZER_LINKING)
tests_fuzz_fuzz_rdb_value_LDADD = modules/dump/librdbcodec.la -lm
endif
endif

if MODULE_HTTP
# ---- http.so's request parser (request line, header fields, body length, limits) ----
FUZZ_TARGETS += http_parse
check_PROGRAMS += tests/fuzz/fuzz_http_parse_replay
TESTS += tests/fuzz/fuzz_http_parse_replay
tests_fuzz_fuzz_http_parse_replay_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_http_parse.c \
	proto/http/parse.c proto/http/parse.h
tests_fuzz_fuzz_http_parse_replay_CPPFLAGS = $(FUZZ_CPPFLAGS) \
	-DFUZZ_CORPUS='"tests/fuzz/corpus/http_parse"'
if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_http_parse
tests_fuzz_fuzz_http_parse_SOURCES = tests/fuzz/fuzz_http_parse.c proto/http/parse.c
tests_fuzz_fuzz_http_parse_CPPFLAGS = $(FUZZ_CPPFLAGS)
tests_fuzz_fuzz_http_parse_LDFLAGS = $(FUZZER_LINKING)
endif
endif

# ---- dump.so's whole-file RDB walker (modules/dump/rdb_file.c), what --load-rdb reads ----
if MODULE_DUMP
FUZZ_TARGETS += rdb_file
check_PROGRAMS += tests/fuzz/fuzz_rdb_file_replay
TESTS += tests/fuzz/fuzz_rdb_file_replay
tests_fuzz_fuzz_rdb_file_replay_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_rdb_file.c
tests_fuzz_fuzz_rdb_file_replay_CPPFLAGS = $(FUZZ_CPPFLAGS) \
	-DFUZZ_CORPUS='"tests/fuzz/corpus/rdb_file"'
tests_fuzz_fuzz_rdb_file_replay_LDADD = modules/dump/librdbcodec.la -lm
if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_rdb_file
tests_fuzz_fuzz_rdb_file_SOURCES = tests/fuzz/fuzz_rdb_file.c
tests_fuzz_fuzz_rdb_file_CPPFLAGS = $(FUZZ_CPPFLAGS)
tests_fuzz_fuzz_rdb_file_LDFLAGS = $(FUZZER_LINKING)
tests_fuzz_fuzz_rdb_file_LDADD = modules/dump/librdbcodec.la -lm
endif
endif

# `make fuzz-targets` prints the list (run-fuzzers.sh asks for it); `make fuzz` builds the
# libFuzzer binaries and runs each for FUZZ_SECONDS (default 20).
fuzz-targets:
	@echo $(FUZZ_TARGETS)
if FUZZING
FUZZ_SECONDS = 20
fuzz: $(FUZZ_TARGETS:%=tests/fuzz/fuzz_%) all
	$(top_srcdir)/tests/fuzz/run-fuzzers.sh --build $(abs_top_builddir) --seconds $(FUZZ_SECONDS)
endif
.PHONY: fuzz-targets fuzz

if MODULE_SCRIPTING
# ---- scripting.so's binary codecs: cmsgpack and struct, as scripts call them ----
FUZZ_TARGETS += script_codecs
FUZZ_SCRIPT_SOURCES = tests/fuzz/fuzz_script_codecs.c modules/scripting/cmsgpack.c \
	modules/scripting/struct.c modules/scripting/libs.h
check_PROGRAMS += tests/fuzz/fuzz_script_codecs_replay
TESTS += tests/fuzz/fuzz_script_codecs_replay
tests_fuzz_fuzz_script_codecs_replay_SOURCES = tests/fuzz/replay.c $(FUZZ_SCRIPT_SOURCES)
tests_fuzz_fuzz_script_codecs_replay_CPPFLAGS = $(FUZZ_CPPFLAGS) $(LUAJIT_CFLAGS) \
	-DFUZZ_CORPUS='"tests/fuzz/corpus/script_codecs"'
tests_fuzz_fuzz_script_codecs_replay_LDADD = $(LUAJIT_LIBS) -lm
if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_script_codecs
tests_fuzz_fuzz_script_codecs_SOURCES = $(FUZZ_SCRIPT_SOURCES)
tests_fuzz_fuzz_script_codecs_CPPFLAGS = $(FUZZ_CPPFLAGS) $(LUAJIT_CFLAGS)
tests_fuzz_fuzz_script_codecs_LDFLAGS = $(FUZZER_LINKING)
tests_fuzz_fuzz_script_codecs_LDADD = $(LUAJIT_LIBS) -lm
endif
endif

if FUZZ_DATA_MODULES
# ---- every data type's commands through a whole server (fuzz_ns_commands.c, built again) ----
FUZZ_TARGETS += data_commands
check_PROGRAMS += tests/fuzz/fuzz_data_commands_replay
TESTS += tests/fuzz/fuzz_data_commands_replay
tests_fuzz_fuzz_data_commands_replay_SOURCES = tests/fuzz/replay.c $(FUZZ_NS_FILES)
tests_fuzz_fuzz_data_commands_replay_CPPFLAGS = $(FUZZ_CORE_CPPFLAGS) -I$(top_srcdir)/tests/unit \
	-DFUZZ_DATA_COMMANDS -DFUZZ_CORPUS='"tests/fuzz/corpus/data_commands"'
tests_fuzz_fuzz_data_commands_replay_LDFLAGS = $(AM_LDFLAGS) -export-dynamic
tests_fuzz_fuzz_data_commands_replay_LDADD = core/libkeelcore.la
if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_data_commands
tests_fuzz_fuzz_data_commands_SOURCES = $(FUZZ_NS_FILES)
tests_fuzz_fuzz_data_commands_CPPFLAGS = $(FUZZ_CORE_CPPFLAGS) -I$(top_srcdir)/tests/unit \
	-DFUZZ_DATA_COMMANDS
tests_fuzz_fuzz_data_commands_LDFLAGS = $(FUZZER_LINKING) -export-dynamic
tests_fuzz_fuzz_data_commands_LDADD = core/libkeelcore.la
endif
endif

if FUZZ_TX_MODULES
# ---- and transactions, scripts, blocking commands and databases (fuzz_ns_commands.c, again) ----
FUZZ_TARGETS += tx_commands
FUZZ_TX_FILES = $(FUZZ_NS_FILES) tests/fuzz/fuzz_tx_rewrite.c tests/fuzz/fuzz_tx_rewrite.h
check_PROGRAMS += tests/fuzz/fuzz_tx_commands_replay
TESTS += tests/fuzz/fuzz_tx_commands_replay
tests_fuzz_fuzz_tx_commands_replay_SOURCES = tests/fuzz/replay.c $(FUZZ_TX_FILES)
tests_fuzz_fuzz_tx_commands_replay_CPPFLAGS = $(FUZZ_CORE_CPPFLAGS) -I$(top_srcdir)/tests/unit \
	-DFUZZ_DATA_COMMANDS -DFUZZ_TX_COMMANDS -DFUZZ_CORPUS='"tests/fuzz/corpus/tx_commands"'
tests_fuzz_fuzz_tx_commands_replay_LDFLAGS = $(AM_LDFLAGS) -export-dynamic
tests_fuzz_fuzz_tx_commands_replay_LDADD = core/libkeelcore.la -lm
if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_tx_commands
tests_fuzz_fuzz_tx_commands_SOURCES = $(FUZZ_TX_FILES)
tests_fuzz_fuzz_tx_commands_CPPFLAGS = $(FUZZ_CORE_CPPFLAGS) -I$(top_srcdir)/tests/unit \
	-DFUZZ_DATA_COMMANDS -DFUZZ_TX_COMMANDS
tests_fuzz_fuzz_tx_commands_LDFLAGS = $(FUZZER_LINKING) -export-dynamic
tests_fuzz_fuzz_tx_commands_LDADD = core/libkeelcore.la -lm
endif
endif

if MODULE_PUBSUB
if MODULE_STRINGS
if MODULE_MAPS
# ---- publish/subscribe sequences through the whole server, in process ----
FUZZ_TARGETS += pubsub_commands
FUZZ_PUBSUB_FILES = tests/fuzz/fuzz_pubsub_commands.c tests/fuzz/inproc_server.c \
	tests/fuzz/fuzz_admin.c tests/fuzz/fuzz_admin.h tests/fuzz/fuzz_peers.c tests/fuzz/fuzz_peers.h \
	tests/fuzz/inproc_server.h tests/fuzz/resp_reply.c tests/fuzz/resp_reply.h
check_PROGRAMS += tests/fuzz/fuzz_pubsub_commands_replay
TESTS += tests/fuzz/fuzz_pubsub_commands_replay
tests_fuzz_fuzz_pubsub_commands_replay_SOURCES = tests/fuzz/replay.c $(FUZZ_PUBSUB_FILES)
tests_fuzz_fuzz_pubsub_commands_replay_CPPFLAGS = $(FUZZ_CORE_CPPFLAGS) \
	-DFUZZ_CORPUS='"tests/fuzz/corpus/pubsub_commands"'
tests_fuzz_fuzz_pubsub_commands_replay_LDFLAGS = $(AM_LDFLAGS) -export-dynamic
tests_fuzz_fuzz_pubsub_commands_replay_LDADD = core/libkeelcore.la
if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_pubsub_commands
tests_fuzz_fuzz_pubsub_commands_SOURCES = $(FUZZ_PUBSUB_FILES)
tests_fuzz_fuzz_pubsub_commands_CPPFLAGS = $(FUZZ_CORE_CPPFLAGS)
tests_fuzz_fuzz_pubsub_commands_LDFLAGS = $(FUZZER_LINKING) -export-dynamic
tests_fuzz_fuzz_pubsub_commands_LDADD = core/libkeelcore.la
endif
endif
endif
endif

if MODULE_SCRIPTING
if MODULE_STRINGS
if MODULE_MAPS
# ---- server and connection control commands through the whole server, in process ----
FUZZ_TARGETS += server_commands
FUZZ_SERVER_FILES = tests/fuzz/fuzz_server_commands.c tests/fuzz/inproc_server.c \
	tests/fuzz/fuzz_admin.c tests/fuzz/fuzz_admin.h tests/fuzz/fuzz_peers.c tests/fuzz/fuzz_peers.h \
	tests/fuzz/inproc_server.h tests/fuzz/resp_reply.c tests/fuzz/resp_reply.h
check_PROGRAMS += tests/fuzz/fuzz_server_commands_replay
TESTS += tests/fuzz/fuzz_server_commands_replay
tests_fuzz_fuzz_server_commands_replay_SOURCES = tests/fuzz/replay.c $(FUZZ_SERVER_FILES)
tests_fuzz_fuzz_server_commands_replay_CPPFLAGS = $(FUZZ_CORE_CPPFLAGS) \
	-DFUZZ_CORPUS='"tests/fuzz/corpus/server_commands"'
tests_fuzz_fuzz_server_commands_replay_LDFLAGS = $(AM_LDFLAGS) -export-dynamic
tests_fuzz_fuzz_server_commands_replay_LDADD = core/libkeelcore.la
if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_server_commands
tests_fuzz_fuzz_server_commands_SOURCES = $(FUZZ_SERVER_FILES)
tests_fuzz_fuzz_server_commands_CPPFLAGS = $(FUZZ_CORE_CPPFLAGS)
tests_fuzz_fuzz_server_commands_LDFLAGS = $(FUZZER_LINKING) -export-dynamic
tests_fuzz_fuzz_server_commands_LDADD = core/libkeelcore.la
endif
endif
endif
endif
