# tests/unit/scripting.mk -- unit tests of scripting.so's pieces (Check, on the fake SDK table).
if MODULE_SCRIPTING
check_PROGRAMS += tests/unit/test_scripting_lua
TESTS += tests/unit/test_scripting_lua
tests_unit_test_scripting_lua_SOURCES = tests/unit/test_scripting_lua.c
tests_unit_test_scripting_lua_CFLAGS = $(UNIT_CFLAGS) $(LUAJIT_CFLAGS)
tests_unit_test_scripting_lua_LDADD = modules/scripting/libscripting.la \
	sdk/harness/libkeelharness.la datakit/libdatakit_pic.la $(LUAJIT_LIBS) $(LUA_CJSON_LIBS) $(UNIT_LIBS) -lm
endif
