# tests/unit/core.mk -- unit tests of the core: the zvm (yield/resume, locks, hops, replies), shard
# gates and numbered databases, the module loader (good and deliberately broken modules),
# globbing, the expiry-lag histogram, and the SDK header checks.
CORE_TEST_CPPFLAGS = $(core_libkeelcore_la_CPPFLAGS) -I$(top_srcdir)/core

check_PROGRAMS += tests/unit/test_zvm
tests_unit_test_zvm_SOURCES = tests/unit/test_zvm.c tests/unit/zvm_world.c tests/unit/zvm_world.h
tests_unit_test_zvm_CPPFLAGS = $(CORE_TEST_CPPFLAGS)
tests_unit_test_zvm_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_zvm_LDADD = core/libkeelcore.la $(UNIT_LIBS)

TESTS += tests/unit/test_zvm

# Test modules, good and deliberately broken, built as real shared objects.
TEST_MODULE_FLAGS = -module -avoid-version -shared -no-undefined -rpath $(abs_builddir)
check_LTLIBRARIES += tests/unit/modules/mod_good.la tests/unit/modules/mod_bad_abi.la \
	tests/unit/modules/mod_newer_minor.la tests/unit/modules/mod_bad_magic.la \
	tests/unit/modules/mod_no_descriptor.la tests/unit/modules/mod_bad_flags.la
tests_unit_modules_mod_good_la_SOURCES = tests/unit/modules/mod_good.c
tests_unit_modules_mod_good_la_LDFLAGS = $(TEST_MODULE_FLAGS)
tests_unit_modules_mod_bad_abi_la_SOURCES = tests/unit/modules/mod_bad_abi.c
tests_unit_modules_mod_bad_abi_la_LDFLAGS = $(TEST_MODULE_FLAGS)
tests_unit_modules_mod_newer_minor_la_SOURCES = tests/unit/modules/mod_newer_minor.c
tests_unit_modules_mod_newer_minor_la_LDFLAGS = $(TEST_MODULE_FLAGS)
tests_unit_modules_mod_bad_magic_la_SOURCES = tests/unit/modules/mod_bad_magic.c
tests_unit_modules_mod_bad_magic_la_LDFLAGS = $(TEST_MODULE_FLAGS)
tests_unit_modules_mod_no_descriptor_la_SOURCES = tests/unit/modules/mod_no_descriptor.c
tests_unit_modules_mod_no_descriptor_la_LDFLAGS = $(TEST_MODULE_FLAGS)
tests_unit_modules_mod_bad_flags_la_SOURCES = tests/unit/modules/mod_bad_flags.c
tests_unit_modules_mod_bad_flags_la_LDFLAGS = $(TEST_MODULE_FLAGS)

check_PROGRAMS += tests/unit/test_gate
tests_unit_test_gate_SOURCES = tests/unit/test_gate.c tests/unit/zvm_world.c tests/unit/zvm_world.h
tests_unit_test_gate_CPPFLAGS = $(CORE_TEST_CPPFLAGS)
tests_unit_test_gate_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_gate_LDADD = core/libkeelcore.la $(UNIT_LIBS)
TESTS += tests/unit/test_gate

check_PROGRAMS += tests/unit/test_block
tests_unit_test_block_SOURCES = tests/unit/test_block.c tests/unit/zvm_world.c tests/unit/zvm_world.h
tests_unit_test_block_CPPFLAGS = $(CORE_TEST_CPPFLAGS)
tests_unit_test_block_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_block_LDADD = core/libkeelcore.la $(UNIT_LIBS)
TESTS += tests/unit/test_block

check_PROGRAMS += tests/unit/test_loader
tests_unit_test_loader_SOURCES = tests/unit/test_loader.c
tests_unit_test_loader_CPPFLAGS = $(CORE_TEST_CPPFLAGS)
tests_unit_test_loader_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_loader_LDADD = core/libkeelcore.la $(UNIT_LIBS)
TESTS += tests/unit/test_loader

# Checks that are scripts: exported symbols, the generated module view, house style.
TESTS += tests/unit/module_symbols.sh tests/unit/api_module_fresh.sh tests/unit/style.sh \
	tests/unit/module_minor.sh
EXTRA_DIST += tests/unit/module_symbols.sh tests/unit/api_module_fresh.sh tests/unit/style.sh \
	tests/unit/module_minor.sh

check_PROGRAMS += tests/unit/test_limit
tests_unit_test_limit_SOURCES = tests/unit/test_limit.c
tests_unit_test_limit_CPPFLAGS = $(CORE_TEST_CPPFLAGS)
tests_unit_test_limit_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_limit_LDADD = core/libkeelcore.la $(UNIT_LIBS)
TESTS += tests/unit/test_limit

check_PROGRAMS += tests/unit/test_notify
tests_unit_test_notify_SOURCES = tests/unit/test_notify.c
tests_unit_test_notify_CPPFLAGS = $(CORE_TEST_CPPFLAGS)
tests_unit_test_notify_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_notify_LDADD = core/libkeelcore.la $(UNIT_LIBS)
TESTS += tests/unit/test_notify
check_PROGRAMS += tests/unit/test_expire_lag
tests_unit_test_expire_lag_SOURCES = tests/unit/test_expire_lag.c
tests_unit_test_expire_lag_CPPFLAGS = $(CORE_TEST_CPPFLAGS)
tests_unit_test_expire_lag_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_expire_lag_LDADD = core/libkeelcore.la $(UNIT_LIBS)
TESTS += tests/unit/test_expire_lag

check_PROGRAMS += tests/unit/test_deadline
tests_unit_test_deadline_SOURCES = tests/unit/test_deadline.c
tests_unit_test_deadline_CPPFLAGS = $(CORE_TEST_CPPFLAGS)
tests_unit_test_deadline_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_deadline_LDADD = core/libkeelcore.la $(UNIT_LIBS)
TESTS += tests/unit/test_deadline

check_PROGRAMS += tests/unit/test_snap_file
tests_unit_test_snap_file_SOURCES = tests/unit/test_snap_file.c
tests_unit_test_snap_file_CPPFLAGS = $(CORE_TEST_CPPFLAGS)
tests_unit_test_snap_file_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_snap_file_LDADD = core/libkeelcore.la $(UNIT_LIBS)
TESTS += tests/unit/test_snap_file

check_PROGRAMS += tests/unit/test_snap_z
tests_unit_test_snap_z_SOURCES = tests/unit/test_snap_z.c
tests_unit_test_snap_z_CPPFLAGS = $(CORE_TEST_CPPFLAGS)
tests_unit_test_snap_z_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_snap_z_LDADD = core/libkeelcore.la $(UNIT_LIBS)
TESTS += tests/unit/test_snap_z

check_PROGRAMS += tests/unit/test_aof_rec
tests_unit_test_aof_rec_SOURCES = tests/unit/test_aof_rec.c
tests_unit_test_aof_rec_CPPFLAGS = $(CORE_TEST_CPPFLAGS)
tests_unit_test_aof_rec_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_aof_rec_LDADD = core/libkeelcore.la $(UNIT_LIBS)
TESTS += tests/unit/test_aof_rec

check_PROGRAMS += tests/unit/test_snap_shard
tests_unit_test_snap_shard_SOURCES = tests/unit/test_snap_shard.c tests/unit/zvm_world.c tests/unit/zvm_world.h
tests_unit_test_snap_shard_CPPFLAGS = $(CORE_TEST_CPPFLAGS)
tests_unit_test_snap_shard_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_snap_shard_LDADD = core/libkeelcore.la $(UNIT_LIBS)
TESTS += tests/unit/test_snap_shard
