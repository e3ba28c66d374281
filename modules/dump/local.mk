# modules/dump/local.mk -- dump.so: DUMP and RESTORE in Redis's payload format.
# The RDB codec (librdbcodec: values, and whole files for --load-rdb) uses no SDK call, so its unit
# tests and fuzz targets link it alone; the module's opcodes are a second convenience library.
if MODULE_DUMP
noinst_LTLIBRARIES += modules/dump/librdbcodec.la
modules_dump_librdbcodec_la_SOURCES = \
	modules/dump/rdb_crc64.c modules/dump/rdb_crc64.h \
	modules/dump/rdb_decoder.h \
	modules/dump/rdb_file.c modules/dump/rdb_file.h \
	modules/dump/rdb_lzf.c modules/dump/rdb_lzf.h \
	modules/dump/rdb_packed.c \
	modules/dump/rdb_payload.c modules/dump/rdb_payload.h \
	modules/dump/rdb_skip.c modules/dump/rdb_skip.h \
	modules/dump/rdb_stream.c \
	modules/dump/rdb_value.c modules/dump/rdb_value.h

noinst_LTLIBRARIES += modules/dump/libdump.la
modules_dump_libdump_la_SOURCES = \
	modules/dump/family.h \
	modules/dump/calls.c modules/dump/calls.h \
	modules/dump/dump.c \
	modules/dump/import.c \
	modules/dump/register.c \
	modules/dump/restore.c

modules_LTLIBRARIES += modules/dump/dump.la
modules_dump_dump_la_SOURCES = modules/dump/module.c
modules_dump_dump_la_LDFLAGS = $(MODULE_LINK_FLAGS)
modules_dump_dump_la_LIBADD = modules/dump/libdump.la modules/dump/librdbcodec.la \
	$(MODULE_LINK_LIBS) -lm
endif

EXTRA_DIST += docs/commands-dump.md
