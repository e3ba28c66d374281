# tests/unit/resp.mk -- unit tests for proto/resp, and the test of the module harness's table
# itself (sdk/harness/fake_api.h: every entry backed).

check_PROGRAMS += tests/unit/test_fake_api
TESTS += tests/unit/test_fake_api
tests_unit_test_fake_api_SOURCES = tests/unit/test_fake_api.c
tests_unit_test_fake_api_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_fake_api_LDADD = sdk/harness/libkeelharness.la datakit/libdatakit_pic.la \
	$(UNIT_LIBS) -lm

if MODULE_RESP
RESP_TEST_LIBS = proto/resp/libresp.la sdk/harness/libkeelharness.la datakit/libdatakit_pic.la \
	$(UNIT_LIBS) -lm

check_PROGRAMS += tests/unit/test_resp_parse tests/unit/test_resp_encode tests/unit/test_resp_conn
TESTS += tests/unit/test_resp_parse tests/unit/test_resp_encode tests/unit/test_resp_conn

tests_unit_test_resp_parse_SOURCES = tests/unit/test_resp_parse.c
tests_unit_test_resp_parse_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_resp_parse_LDADD = $(RESP_TEST_LIBS)

tests_unit_test_resp_encode_SOURCES = tests/unit/test_resp_encode.c \
	tests/unit/resp_wire.c tests/unit/resp_wire.h
tests_unit_test_resp_encode_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_resp_encode_LDADD = $(RESP_TEST_LIBS)

tests_unit_test_resp_conn_SOURCES = tests/unit/test_resp_conn.c \
	tests/unit/resp_wire.c tests/unit/resp_wire.h
tests_unit_test_resp_conn_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_resp_conn_LDADD = $(RESP_TEST_LIBS)
endif
