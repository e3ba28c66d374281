/* geo_args.c -- reading geo commands' coordinates, units, radii and boxes (see geo_args.h). */
#include "geo_args.h"
#include "geohash.h"
#include "zobj.h"

/* A number as Redis's getDoubleFromObjectOrReply reads it; false after replying "ERR " msg. */
static bool number(keel_proc *p, const keel_arg *a, double *out, const char *msg) {
    if (zs_parse_score(a, out)) return true;
    keel_reply_error(p, "ERR %s", msg);
    return false;
}

bool geo_arg_lonlat(keel_proc *p, const keel_arg *a, double *lon, double *lat) {
    if (!number(p, &a[0], lon, "value is not a valid float") ||
        !number(p, &a[1], lat, "value is not a valid float"))
        return false;
    if (*lon < GEO_LON_MIN || *lon > GEO_LON_MAX || *lat < GEO_LAT_MIN || *lat > GEO_LAT_MAX) {
        keel_reply_error(p, "ERR invalid longitude,latitude pair %f,%f", *lon, *lat);
        return false;
    }
    return true;
}

bool geo_arg_unit(keel_proc *p, const keel_arg *a, double *to_m) {
    static const struct {
        const char *name;
        double metres;
    } units[] = {{"m", 1}, {"km", 1000}, {"ft", 0.3048}, {"mi", 1609.34}};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (keel_arg_is(a, units[i].name)) {
            *to_m = units[i].metres;
            return true;
        }
    }
    keel_reply_error(p, "ERR unsupported unit provided. please use M, KM, FT, MI");
    return false;
}

bool geo_arg_radius(keel_proc *p, const keel_arg *a, double *radius, double *to_m) {
    if (!number(p, &a[0], radius, "need numeric radius")) return false;
    if (*radius < 0) {
        keel_reply_error(p, "ERR radius cannot be negative");
        return false;
    }
    return geo_arg_unit(p, &a[1], to_m);
}

bool geo_arg_box(keel_proc *p, const keel_arg *a, double *width, double *height, double *to_m) {
    if (!number(p, &a[0], width, "need numeric width") ||
        !number(p, &a[1], height, "need numeric height"))
        return false;
    if (*height < 0 || *width < 0) {
        keel_reply_error(p, "ERR height or width cannot be negative");
        return false;
    }
    return geo_arg_unit(p, &a[2], to_m);
}
