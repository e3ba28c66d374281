# core/local.mk -- keel-server.  Everything but main.c is a convenience library so unit
# tests link the same objects the server runs.
noinst_LTLIBRARIES += core/libkeelcore.la
core_libkeelcore_la_SOURCES =
core_libkeelcore_la_CPPFLAGS = $(AM_CPPFLAGS) -DKEEL_CORE \
	-DKEEL_MODULE_DIR='"$(modulesdir)"' \
	$(LIBEVENT_CFLAGS) $(LIBEVENT_PTHREADS_CFLAGS) $(LIBEVENT_OPENSSL_CFLAGS) $(OPENSSL_CFLAGS) \
	$(JANSSON_CFLAGS) $(XXHASH_CFLAGS)
core_libkeelcore_la_LIBADD = datakit/libdatakit_pic.la \
	$(LIBEVENT_LIBS) $(LIBEVENT_PTHREADS_LIBS) $(LIBEVENT_OPENSSL_LIBS) $(OPENSSL_LIBS) \
	$(JANSSON_LIBS) $(XXHASH_LIBS) $(CK_LIBS) $(PTHREAD_LIBS) -lm

bin_PROGRAMS += core/keel-server
core_keel_server_SOURCES = core/main.c
core_keel_server_CPPFLAGS = $(core_libkeelcore_la_CPPFLAGS)
core_keel_server_LDADD = core/libkeelcore.la
core_keel_server_LDFLAGS = $(AM_LDFLAGS) -export-dynamic
