# proto/resp/local.mk -- resp.so: the RESP2/RESP3 wire protocol (parser, encoders for RESP, JSON and
# Python replies, HELLO, QUIT, REPLY.SYNTAX).
# Everything but the descriptor is a convenience library, so unit tests and fuzz targets link
# the same objects the module runs.
if MODULE_RESP
noinst_LTLIBRARIES += proto/resp/libresp.la
proto_resp_libresp_la_SOURCES = \
	proto/resp/argv.c proto/resp/argv.h \
	proto/resp/conn.c proto/resp/conn.h \
	proto/resp/encode.c proto/resp/encode.h \
	proto/resp/inline.c proto/resp/inline.h \
	proto/resp/parse.c proto/resp/parse.h \
	proto/resp/protocol.c proto/resp/protocol.h \
	proto/resp/register.c proto/resp/register.h \
	proto/resp/state.h \
	proto/resp/text.c proto/resp/text.h proto/resp/text_json.c proto/resp/text_python.c \
	proto/resp/text_syntax.h

modules_LTLIBRARIES += proto/resp/resp.la
proto_resp_resp_la_SOURCES = proto/resp/module.c
proto_resp_resp_la_LDFLAGS = $(MODULE_LINK_FLAGS)
proto_resp_resp_la_LIBADD = proto/resp/libresp.la $(MODULE_LINK_LIBS) -lm
endif
