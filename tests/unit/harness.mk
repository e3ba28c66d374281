# tests/unit/harness.mk -- the module harness (sdk/harness) tested on its own, and the replay
# program test_harness_conformance.py runs to compare the harness's replies with a real server's.
# Its own behaviour: forced yields, the stuck-process check, descriptor checks.
check_PROGRAMS += tests/unit/test_harness
TESTS += tests/unit/test_harness
tests_unit_test_harness_SOURCES = tests/unit/test_harness.c
tests_unit_test_harness_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_harness_LDADD = sdk/harness/libkeelharness.la datakit/libdatakit_pic.la \
	$(UNIT_LIBS) -lm

# The conformance test's half that runs in-process: strings.so and lists.so on the harness,
# replies written as resp.so writes them (not a test by itself).
if MODULE_STRINGS
if MODULE_LISTS
if MODULE_RESP
check_PROGRAMS += tests/unit/harness_replay
tests_unit_harness_replay_SOURCES = tests/unit/harness_replay.c
tests_unit_harness_replay_CFLAGS = $(UNIT_CFLAGS)
tests_unit_harness_replay_LDADD = modules/strings/libstrings.la modules/lists/liblists.la \
	proto/resp/libresp.la sdk/harness/libkeelharness.la datakit/libdatakit_pic.la \
	$(PTHREAD_LIBS) -lm
endif
endif
endif
