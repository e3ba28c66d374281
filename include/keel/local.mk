# include/keel/local.mk -- the public SDK headers, installed under $(includedir)/keel.
keelincludedir = $(includedir)/keel
keelinclude_HEADERS = \
	include/keel/sdk.h include/keel/api.h include/keel/api_module.h include/keel/module.h \
	include/keel/status.h include/keel/vm.h include/keel/cmd.h include/keel/type.h \
	include/keel/reply.h include/keel/proto.h include/keel/args.h \
	include/keel/conn.h include/keel/pubsub.h include/keel/notify.h include/keel/family.h \
	include/keel/memcache.h
nodist_keelinclude_HEADERS = include/keel/abi.h
EXTRA_DIST += include/keel/abi.h.in
