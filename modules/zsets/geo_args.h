/* geo_args.h -- the arguments geo commands share, read as Redis 7.0 reads them (the same
 * checks in the same order, the same error texts): coordinates, units, radii and boxes. */
#ifndef KEEL_ZSETS_GEO_ARGS_H
#define KEEL_ZSETS_GEO_ARGS_H

#include <stdbool.h>
#include <keel/sdk.h>

/* a[0] a[1] as longitude, latitude; false after replying "ERR value is not a valid float" or
 * "ERR invalid longitude,latitude pair ...". */
bool geo_arg_lonlat(keel_proc *p, const keel_arg *a, double *lon, double *lat);
/* A unit (m km ft mi, any case) as metres per unit; false after replying Redis's error. */
bool geo_arg_unit(keel_proc *p, const keel_arg *a, double *to_m);
/* a[0] a[1] as "radius unit"; false after replying the error. */
bool geo_arg_radius(keel_proc *p, const keel_arg *a, double *radius, double *to_m);
/* a[0] a[1] a[2] as "width height unit"; false after replying the error. */
bool geo_arg_box(keel_proc *p, const keel_arg *a, double *width, double *height, double *to_m);

#endif
