# proto/memcache/local.mk -- memcache.so: the memcached text, meta and binary protocols (parsers and
# encoders only; the MC.* commands they send requests to are mcitems.so's, modules/memcache, and
# what those reply is the contract in include/keel/memcache.h).  Everything but the descriptor is
# a convenience library, so unit tests and fuzz targets link the objects the module runs.
if MODULE_MEMCACHE
noinst_LTLIBRARIES += proto/memcache/libmemcache.la
proto_memcache_libmemcache_la_SOURCES = \
	proto/memcache/bin.h \
	proto/memcache/encode.c proto/memcache/encode.h \
	proto/memcache/encode_bin.c proto/memcache/reply_item.c proto/memcache/reply_item.h \
	proto/memcache/parse.c proto/memcache/parse.h proto/memcache/parse_int.h \
	proto/memcache/parse_bin.c \
	proto/memcache/parse_meta.c \
	proto/memcache/parse_text.c \
	proto/memcache/protocol.c proto/memcache/protocol.h \
	proto/memcache/register.c proto/memcache/register.h \
	proto/memcache/state.h \
	proto/memcache/tag.h \
	proto/memcache/wire.c proto/memcache/wire.h

modules_LTLIBRARIES += proto/memcache/memcache.la
proto_memcache_memcache_la_SOURCES = proto/memcache/module.c
proto_memcache_memcache_la_LDFLAGS = $(MODULE_LINK_FLAGS)
proto_memcache_memcache_la_LIBADD = proto/memcache/libmemcache.la $(MODULE_LINK_LIBS) -lm
endif
