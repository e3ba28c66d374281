# tests/unit/lists.mk -- unit tests of lists.so (Check, on the module harness, sdk/harness):
# argument parsing, element boxes and the deadline map (test_lists_parse), and every command run
# with a tiny reduction budget so each loop yields and resumes, checked against a model
# (test_lists_cmds), including blocking pops parked and woken by hand (test_lists_block).
if MODULE_LISTS
LISTS_TEST_LIBS = modules/lists/liblists.la sdk/harness/libkeelharness.la \
	datakit/libdatakit_pic.la $(UNIT_LIBS) $(PTHREAD_LIBS) -lm
check_PROGRAMS += tests/unit/test_lists_parse tests/unit/test_lists_cmds tests/unit/test_lists_block
TESTS += tests/unit/test_lists_parse tests/unit/test_lists_cmds tests/unit/test_lists_block

tests_unit_test_lists_parse_SOURCES = tests/unit/test_lists_parse.c
tests_unit_test_lists_parse_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_lists_parse_LDADD = $(LISTS_TEST_LIBS)

tests_unit_test_lists_cmds_SOURCES = tests/unit/test_lists_cmds.c tests/unit/test_lists_util.h
tests_unit_test_lists_cmds_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_lists_cmds_LDADD = $(LISTS_TEST_LIBS)

tests_unit_test_lists_block_SOURCES = tests/unit/test_lists_block.c tests/unit/test_lists_util.h
tests_unit_test_lists_block_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_lists_block_LDADD = $(LISTS_TEST_LIBS)
endif
