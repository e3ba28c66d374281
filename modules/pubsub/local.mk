# modules/pubsub/local.mk -- pubsub.so: channels, patterns and shard channels (SUBSCRIBE PUBLISH
# PUBSUB ...), the server's publisher.  Everything but the descriptor is a convenience library,
# so unit tests link what the module runs.
if MODULE_PUBSUB
noinst_LTLIBRARIES += modules/pubsub/libpubsub.la
modules_pubsub_libpubsub_la_SOURCES = \
	modules/pubsub/family.h \
	modules/pubsub/client.c modules/pubsub/client.h \
	modules/pubsub/introspect.c \
	modules/pubsub/local.c modules/pubsub/local.h \
	modules/pubsub/names.c modules/pubsub/names.h \
	modules/pubsub/publish.c modules/pubsub/publish.h \
	modules/pubsub/publish_cmd.c \
	modules/pubsub/register.c modules/pubsub/register.h \
	modules/pubsub/subs.h \
	modules/pubsub/subscribe.c \
	modules/pubsub/view.c modules/pubsub/view.h
modules_pubsub_libpubsub_la_LIBADD = $(PTHREAD_LIBS)

modules_LTLIBRARIES += modules/pubsub/pubsub.la
modules_pubsub_pubsub_la_SOURCES = modules/pubsub/module.c
modules_pubsub_pubsub_la_LDFLAGS = $(MODULE_LINK_FLAGS)
modules_pubsub_pubsub_la_LIBADD = modules/pubsub/libpubsub.la $(MODULE_LINK_LIBS) $(PTHREAD_LIBS)
endif

EXTRA_DIST += docs/commands-pubsub.md
