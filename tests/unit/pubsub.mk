# tests/unit/pubsub.mk -- unit tests of pubsub.so (Check, on the fake SDK table of
# sdk/harness/fake_api.h, whose worker threads run posted calls when a test says).
if MODULE_PUBSUB
check_PROGRAMS += tests/unit/test_pubsub
TESTS += tests/unit/test_pubsub
tests_unit_test_pubsub_SOURCES = tests/unit/test_pubsub.c
tests_unit_test_pubsub_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_pubsub_LDADD = modules/pubsub/libpubsub.la sdk/harness/libkeelharness.la \
	datakit/libdatakit_pic.la $(UNIT_LIBS) $(PTHREAD_LIBS) -lm
endif
