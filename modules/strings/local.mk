# modules/strings/local.mk -- strings.so: string values (GET SET INCRBY APPEND ...).  Everything
# but the descriptor is a convenience library, so the unit tests link the objects the module runs.
if MODULE_STRINGS
noinst_LTLIBRARIES += modules/strings/libstrings.la
modules_strings_libstrings_la_SOURCES = \
	modules/strings/family.h \
	modules/strings/append.c \
	modules/strings/bitfield.c \
	modules/strings/bitmap.c \
	modules/strings/bitop.c \
	modules/strings/bits.c modules/strings/bits.h \
	modules/strings/edit.c modules/strings/edit.h \
	modules/strings/expiry.c modules/strings/expiry.h \
	modules/strings/get.c \
	modules/strings/incr.c \
	modules/strings/lcs.c \
	modules/strings/length.c \
	modules/strings/multi.c \
	modules/strings/number.c modules/strings/number.h \
	modules/strings/range.c \
	modules/strings/register.c modules/strings/register.h \
	modules/strings/set.c \
	modules/strings/value.c modules/strings/value.h

modules_LTLIBRARIES += modules/strings/strings.la
modules_strings_strings_la_SOURCES = modules/strings/module.c
modules_strings_strings_la_LDFLAGS = $(MODULE_LINK_FLAGS)
modules_strings_strings_la_LIBADD = modules/strings/libstrings.la $(MODULE_LINK_LIBS) -lm

# Unit tests (Check, on the fake SDK table of sdk/harness/fake_api.h).
STRINGS_TEST_LIBS = modules/strings/libstrings.la sdk/harness/libkeelharness.la \
	datakit/libdatakit_pic.la $(UNIT_LIBS) -lm
check_PROGRAMS += tests/unit/test_strings_number tests/unit/test_strings_types
TESTS += tests/unit/test_strings_number tests/unit/test_strings_types

tests_unit_test_strings_number_SOURCES = tests/unit/test_strings_number.c
tests_unit_test_strings_number_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_strings_number_LDADD = $(STRINGS_TEST_LIBS)

tests_unit_test_strings_types_SOURCES = tests/unit/test_strings_types.c
tests_unit_test_strings_types_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_strings_types_LDADD = $(STRINGS_TEST_LIBS)
endif

EXTRA_DIST += docs/commands-strings.md
