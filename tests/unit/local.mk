# tests/unit/local.mk -- Check unit tests.  Each area lists its test programs in its own fragment.
UNIT_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) -I$(top_srcdir)/sdk/harness
UNIT_LIBS = $(CHECK_LIBS)

include tests/unit/datakit.mk
include tests/unit/core.mk
include tests/unit/resp.mk
include tests/unit/harness.mk
include tests/unit/memcache.mk
include tests/unit/lists.mk
include tests/unit/maps.mk
include tests/unit/sets.mk
include tests/unit/zsets.mk
include tests/unit/scripting.mk
include tests/unit/pubsub.mk
include tests/unit/dump.mk
include tests/unit/sbitset.mk
