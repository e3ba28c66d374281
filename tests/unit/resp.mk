# tests/unit/resp.mk -- unit tests for proto/resp, and the fake keel_api every module test can
# link (tests/unit/fake_api.h): a malloc-backed table, registries, processes, a keyspace.
check_LTLIBRARIES += tests/unit/libfakeapi.la
tests_unit_libfakeapi_la_SOURCES = \
	tests/unit/fake_api.c tests/unit/fake_api.h tests/unit/fake_internal.h \
	tests/unit/fake_keyspace.c tests/unit/fake_proc.c
tests_unit_libfakeapi_la_CFLAGS = $(UNIT_CFLAGS)
