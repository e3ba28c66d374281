# sdk/harness/local.mk -- the module test harness: a keel_api backed by plain memory that runs a
# module's commands in-process (sdk/harness/fake_api.h).  In tree, every module's unit tests link
# it as libkeelharness.la; installed, its sources and headers go to $(pkgdatadir)/harness for a
# module author to compile beside their module and tests (docs/module-guide.md, "Testing").
HARNESS_FILES = \
	sdk/harness/fake_api.c sdk/harness/fake_api.h sdk/harness/fake_internal.h \
	sdk/harness/fake_keyspace.c sdk/harness/fake_proc.c sdk/harness/fake_conn.c \
	sdk/harness/fake_sink.c

check_LTLIBRARIES += sdk/harness/libkeelharness.la
sdk_harness_libkeelharness_la_SOURCES = $(HARNESS_FILES)
sdk_harness_libkeelharness_la_CFLAGS = $(AM_CFLAGS)

harnessdir = $(pkgdatadir)/harness
harness_DATA = $(HARNESS_FILES)
EXTRA_DIST +=
