# sdk/local.mk -- the pkg-config file for out-of-tree modules, the module template, and the
# example module (built as a real module for `make check`).
pkgconfigdir = $(libdir)/pkgconfig
nodist_pkgconfig_DATA = sdk/keel-sdk.pc
include sdk/harness/local.mk

EXTRA_DIST += sdk/keel-sdk.pc.in sdk/template/hello.c sdk/template/Makefile \
	sdk/template/test_hello.c

check_LTLIBRARIES += sdk/examples/sumkeys.la sdk/examples/aggregate.la sdk/examples/hfilter.la \
	sdk/template/hello.la
sdk_examples_sumkeys_la_SOURCES = sdk/examples/sumkeys.c
sdk_examples_sumkeys_la_LDFLAGS = $(MODULE_LINK_FLAGS) -rpath $(abs_builddir)
sdk_examples_sumkeys_la_LIBADD = $(MODULE_LINK_LIBS)
sdk_examples_aggregate_la_SOURCES = sdk/examples/aggregate.c
sdk_examples_aggregate_la_LDFLAGS = $(MODULE_LINK_FLAGS) -rpath $(abs_builddir)
sdk_examples_aggregate_la_LIBADD = $(MODULE_LINK_LIBS)
sdk_examples_hfilter_la_SOURCES = sdk/examples/hfilter.c
sdk_examples_hfilter_la_LDFLAGS = $(MODULE_LINK_FLAGS) -rpath $(abs_builddir)
sdk_examples_hfilter_la_LIBADD = $(MODULE_LINK_LIBS)
sdk_template_hello_la_SOURCES = sdk/template/hello.c
sdk_template_hello_la_LDFLAGS = $(MODULE_LINK_FLAGS) -rpath $(abs_builddir)
sdk_template_hello_la_LIBADD = $(MODULE_LINK_LIBS)

# The template's unit test on the module harness, in tree (out of tree: `make check` in the
# template's folder).
check_PROGRAMS += sdk/template/test_hello
TESTS += sdk/template/test_hello
sdk_template_test_hello_SOURCES = sdk/template/hello.c sdk/template/test_hello.c
sdk_template_test_hello_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/sdk/harness
sdk_template_test_hello_LDADD = sdk/harness/libkeelharness.la datakit/libdatakit_pic.la -lm

# distcheck installs Keel into a staging prefix and runs installcheck: build the template there,
# against the installed SDK and pkg-config file, the way a module author would.
installcheck-local:
	d=`mktemp -d` && cp $(srcdir)/sdk/template/hello.c $(srcdir)/sdk/template/Makefile $$d && \
	PKG_CONFIG_PATH='$(DESTDIR)$(libdir)/pkgconfig' $(MAKE) -C $$d CC='$(CC)' >/dev/null && \
	test "`nm -D --defined-only $$d/hello.so | awk '{print $$3}'`" = keel_module_descriptor && \
	cp $(srcdir)/sdk/template/test_hello.c $$d && \
	PKG_CONFIG_PATH='$(DESTDIR)$(libdir)/pkgconfig' \
	LD_LIBRARY_PATH='$(DESTDIR)$(libdir)' $(MAKE) -C $$d CC='$(CC)' check >/dev/null && \
	echo "sdk template built and tested on the installed harness" && rm -rf $$d
