# tests/unit/maps.mk -- unit tests for modules/maps: its text and glob helpers, and the arena key
# set (on the fake keel_api of sdk/harness/fake_api.h).  The commands are tested end to end by
# tests/integration/test_maps*.py and test_namespaces*.py.
if MODULE_MAPS
check_PROGRAMS += tests/unit/test_maps_helpers
TESTS += tests/unit/test_maps_helpers

tests_unit_test_maps_helpers_SOURCES = tests/unit/test_maps_helpers.c
tests_unit_test_maps_helpers_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_maps_helpers_LDADD = modules/maps/libmaps.la sdk/harness/libkeelharness.la \
	datakit/libdatakit_pic.la $(UNIT_LIBS) -lm
endif
