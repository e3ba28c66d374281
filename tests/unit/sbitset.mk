# tests/unit/sbitset.mk -- unit tests of sbitset.so's snapshot form (Check, on the fake SDK table
# of sdk/harness/fake_api.h, whose sink collects what a save op writes).
if MODULE_SBITSET
check_PROGRAMS += tests/unit/test_sbitset_snap
TESTS += tests/unit/test_sbitset_snap
tests_unit_test_sbitset_snap_SOURCES = tests/unit/test_sbitset_snap.c
tests_unit_test_sbitset_snap_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_sbitset_snap_LDADD = modules/sbitset/libsbitset.la sdk/harness/libkeelharness.la \
	datakit/libdatakit_pic.la $(UNIT_LIBS) -lm
endif
