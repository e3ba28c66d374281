# tests/fuzz/local.mk -- fuzz targets.  libFuzzer builds need configure --enable-fuzzing CC=clang:
#     ./tests/fuzz/fuzz_resp_parse tests/fuzz/corpus/resp_parse   (in the build tree)
# Every build also links each target with replay.c instead of libFuzzer and `make check` runs it
# over the checked-in seeds, so the targets always compile and the seeds keep passing.
EXTRA_DIST += tests/fuzz/corpus

if MODULE_RESP
FUZZ_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/unit
FUZZ_RESP_LIBS = proto/resp/libresp.la tests/unit/libfakeapi.la datakit/libdatakit_pic.la -lm

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
# The code under test is compiled into each target so libFuzzer sees its coverage.
FUZZ_FLAGS = -fsanitize=fuzzer
FUZZ_FAKE_API = tests/unit/fake_api.c tests/unit/fake_proc.c tests/unit/fake_keyspace.c

noinst_PROGRAMS += tests/fuzz/fuzz_resp_parse tests/fuzz/fuzz_resp_encode

tests_fuzz_fuzz_resp_parse_SOURCES = tests/fuzz/fuzz_resp_parse.c $(FUZZ_FAKE_API) \
	proto/resp/argv.c proto/resp/inline.c proto/resp/parse.c
tests_fuzz_fuzz_resp_parse_CPPFLAGS = $(FUZZ_CPPFLAGS)
tests_fuzz_fuzz_resp_parse_CFLAGS = $(AM_CFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_resp_parse_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_resp_parse_LDADD = datakit/libdatakit_pic.la -lm

tests_fuzz_fuzz_resp_encode_SOURCES = tests/fuzz/fuzz_resp_encode.c $(FUZZ_FAKE_API) \
	tests/unit/resp_wire.c proto/resp/encode.c
tests_fuzz_fuzz_resp_encode_CPPFLAGS = $(FUZZ_CPPFLAGS)
tests_fuzz_fuzz_resp_encode_CFLAGS = $(AM_CFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_resp_encode_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_resp_encode_LDADD = datakit/libdatakit_pic.la -lm
endif
endif

if MODULE_MEMCACHE
FUZZ_MC_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/unit
FUZZ_MC_LIBS = proto/memcache/libmemcache.la tests/unit/libfakeapi.la datakit/libdatakit_pic.la -lm

check_PROGRAMS += tests/fuzz/fuzz_memcache_parse_replay tests/fuzz/fuzz_memcache_session_replay \
	tests/fuzz/fuzz_memcache_bin_parse_replay
TESTS += tests/fuzz/fuzz_memcache_parse_replay tests/fuzz/fuzz_memcache_session_replay \
	tests/fuzz/fuzz_memcache_bin_parse_replay

tests_fuzz_fuzz_memcache_parse_replay_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_memcache_parse.c
tests_fuzz_fuzz_memcache_parse_replay_CPPFLAGS = $(FUZZ_MC_CPPFLAGS) \
	-DFUZZ_CORPUS='"tests/fuzz/corpus/memcache_parse"'
tests_fuzz_fuzz_memcache_parse_replay_LDADD = $(FUZZ_MC_LIBS)

tests_fuzz_fuzz_memcache_bin_parse_replay_SOURCES = tests/fuzz/replay.c \
	tests/fuzz/fuzz_memcache_bin_parse.c
tests_fuzz_fuzz_memcache_bin_parse_replay_CPPFLAGS = $(FUZZ_MC_CPPFLAGS) \
	-DFUZZ_CORPUS='"tests/fuzz/corpus/memcache_bin_parse"'
tests_fuzz_fuzz_memcache_bin_parse_replay_LDADD = $(FUZZ_MC_LIBS)

tests_fuzz_fuzz_memcache_session_replay_SOURCES = tests/fuzz/replay.c \
	tests/fuzz/fuzz_memcache_session.c
tests_fuzz_fuzz_memcache_session_replay_CPPFLAGS = $(FUZZ_MC_CPPFLAGS) \
	-DFUZZ_CORPUS='"tests/fuzz/corpus/memcache_session"'
tests_fuzz_fuzz_memcache_session_replay_LDADD = $(FUZZ_MC_LIBS)

if FUZZING
# The code under test is compiled into each target so libFuzzer sees its coverage.
FUZZ_MC_FLAGS = -fsanitize=fuzzer
FUZZ_MC_FAKE_API = tests/unit/fake_api.c tests/unit/fake_proc.c tests/unit/fake_keyspace.c
FUZZ_MC_PARSER = proto/memcache/base64.c proto/memcache/number.c proto/memcache/parse.c \
	proto/memcache/parse_meta.c proto/memcache/parse_text.c

noinst_PROGRAMS += tests/fuzz/fuzz_memcache_parse tests/fuzz/fuzz_memcache_session \
	tests/fuzz/fuzz_memcache_bin_parse

tests_fuzz_fuzz_memcache_parse_SOURCES = tests/fuzz/fuzz_memcache_parse.c $(FUZZ_MC_FAKE_API) \
	$(FUZZ_MC_PARSER)
tests_fuzz_fuzz_memcache_parse_CPPFLAGS = $(FUZZ_MC_CPPFLAGS)
tests_fuzz_fuzz_memcache_parse_CFLAGS = $(AM_CFLAGS) $(FUZZ_MC_FLAGS)
tests_fuzz_fuzz_memcache_parse_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_MC_FLAGS)
tests_fuzz_fuzz_memcache_parse_LDADD = datakit/libdatakit_pic.la -lm

tests_fuzz_fuzz_memcache_bin_parse_SOURCES = tests/fuzz/fuzz_memcache_bin_parse.c \
	$(FUZZ_MC_FAKE_API) proto/memcache/number.c proto/memcache/parse_bin.c
tests_fuzz_fuzz_memcache_bin_parse_CPPFLAGS = $(FUZZ_MC_CPPFLAGS)
tests_fuzz_fuzz_memcache_bin_parse_CFLAGS = $(AM_CFLAGS) $(FUZZ_MC_FLAGS)
tests_fuzz_fuzz_memcache_bin_parse_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_MC_FLAGS)
tests_fuzz_fuzz_memcache_bin_parse_LDADD = datakit/libdatakit_pic.la -lm

tests_fuzz_fuzz_memcache_session_SOURCES = tests/fuzz/fuzz_memcache_session.c $(FUZZ_MC_FAKE_API) \
	$(proto_memcache_libmemcache_la_SOURCES)
tests_fuzz_fuzz_memcache_session_CPPFLAGS = $(FUZZ_MC_CPPFLAGS)
tests_fuzz_fuzz_memcache_session_CFLAGS = $(AM_CFLAGS) $(FUZZ_MC_FLAGS)
tests_fuzz_fuzz_memcache_session_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_MC_FLAGS)
tests_fuzz_fuzz_memcache_session_LDADD = datakit/libdatakit_pic.la -lm
endif
endif
