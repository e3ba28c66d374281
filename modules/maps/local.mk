# modules/maps/local.mk -- maps.so: namespaces (NS HS CS WHEREAMI VALS GETALL ...) and the Redis
# hash commands as adapters over them.  Everything but the descriptor is a convenience library,
# so unit tests (tests/unit/maps.mk) link the objects the module runs.
if MODULE_MAPS
noinst_LTLIBRARIES += modules/maps/libmaps.la
modules_maps_libmaps_la_SOURCES = \
	modules/maps/family.h \
	modules/maps/hall.c \
	modules/maps/hdel.c \
	modules/maps/hget.c \
	modules/maps/hincr.c \
	modules/maps/hrand.c \
	modules/maps/hscan.c \
	modules/maps/hset.c \
	modules/maps/keyset.c modules/maps/keyset.h \
	modules/maps/map.c modules/maps/map.h \
	modules/maps/names.c modules/maps/names.h \
	modules/maps/register.c modules/maps/register.h \
	modules/maps/space.c \
	modules/maps/text.c modules/maps/text.h \
	modules/maps/walk.c modules/maps/walk.h \
	modules/maps/walk_cmds.c

modules_LTLIBRARIES += modules/maps/maps.la
modules_maps_maps_la_SOURCES = modules/maps/module.c
modules_maps_maps_la_LDFLAGS = $(MODULE_LINK_FLAGS)
modules_maps_maps_la_LIBADD = modules/maps/libmaps.la $(MODULE_LINK_LIBS) -lm
endif

EXTRA_DIST += docs/namespaces.md docs/commands-maps.md
