# proto/http/local.mk -- http.so: an HTTP/1.1 listener serving /metrics (Prometheus text), /stats
# (STATS's JSON) and /health.  Everything but the descriptor is a convenience library, so unit
# tests and the fuzz target link the objects the module runs.
if MODULE_HTTP
noinst_LTLIBRARIES += proto/http/libhttp.la
proto_http_libhttp_la_SOURCES = \
	proto/http/metrics.c proto/http/metrics.h \
	proto/http/parse.c proto/http/parse.h \
	proto/http/protocol.c proto/http/protocol.h \
	proto/http/register.c proto/http/register.h \
	proto/http/response.c proto/http/response.h \
	proto/http/scrape.c proto/http/scrape.h \
	proto/http/state.h
proto_http_libhttp_la_CPPFLAGS = $(AM_CPPFLAGS) $(JANSSON_CFLAGS)

modules_LTLIBRARIES += proto/http/http.la
proto_http_http_la_SOURCES = proto/http/module.c
proto_http_http_la_LDFLAGS = $(MODULE_LINK_FLAGS)
proto_http_http_la_LIBADD = proto/http/libhttp.la $(MODULE_LINK_LIBS) $(JANSSON_LIBS)
endif
