# modules/scripting/local.mk -- scripting.so: EVAL EVALSHA SCRIPT FUNCTION FCALL on LuaJIT.
# Everything but the descriptor is a convenience library, so the unit tests link the objects
# the module runs.
if MODULE_SCRIPTING
noinst_LTLIBRARIES += modules/scripting/libscripting.la
modules_scripting_libscripting_la_SOURCES = \
	modules/scripting/family.h \
	modules/scripting/cache.c modules/scripting/cache.h \
	modules/scripting/cjson.c modules/scripting/libs.h \
	modules/scripting/cmsgpack.c \
	modules/scripting/conv.c modules/scripting/conv.h \
	modules/scripting/errors.c modules/scripting/errors.h \
	modules/scripting/eval.c \
	modules/scripting/fcall.c \
	modules/scripting/function.c \
	modules/scripting/alone.c modules/scripting/alone.h \
	modules/scripting/learn.c modules/scripting/learn.h \
	modules/scripting/library.c modules/scripting/library.h \
	modules/scripting/rand48.c modules/scripting/rand48.h \
	modules/scripting/redislib.c modules/scripting/redislib.h \
	modules/scripting/register.c modules/scripting/register.h \
	modules/scripting/run.c modules/scripting/run.h \
	modules/scripting/running.c modules/scripting/running.h \
	modules/scripting/sandbox.c modules/scripting/sandbox.h \
	modules/scripting/script.c \
	modules/scripting/sha1.c modules/scripting/sha1.h \
	modules/scripting/shebang.c modules/scripting/shebang.h \
	modules/scripting/struct.c \
	modules/scripting/vm.c modules/scripting/vm.h
modules_scripting_libscripting_la_CFLAGS = $(AM_CFLAGS) $(LUAJIT_CFLAGS) $(XXHASH_CFLAGS)

modules_LTLIBRARIES += modules/scripting/scripting.la
modules_scripting_scripting_la_SOURCES = modules/scripting/module.c
modules_scripting_scripting_la_LDFLAGS = $(MODULE_LINK_FLAGS)
modules_scripting_scripting_la_LIBADD = modules/scripting/libscripting.la $(MODULE_LINK_LIBS) \
	$(LUAJIT_LIBS) $(LUA_CJSON_LIBS) -lm
endif

