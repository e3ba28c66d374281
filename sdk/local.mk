# sdk/local.mk -- pkg-config file for out-of-tree modules.
pkgconfigdir = $(libdir)/pkgconfig
nodist_pkgconfig_DATA = sdk/keel-sdk.pc
EXTRA_DIST += sdk/keel-sdk.pc.in
