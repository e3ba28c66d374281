/* geohash.h -- the geohash arithmetic of geo sorted sets, as Redis 7.0 computes it.
 *
 * A geo set is a sorted set whose scores are 52-bit codes of (longitude, latitude): 26 bits of
 * each, latitude in the even bits and longitude in the odd ones, over longitudes -180..180 and
 * the Web Mercator latitudes -85.05112878..85.05112878.  A search covers its shape with the cell
 * holding its centre and that cell's eight neighbours at a level (step) fit to its size, reads
 * each cell's score range, and keeps the points inside the shape.  Every value here (cell
 * bounds, the centre a code decodes to, distances) is computed with the same floating-point
 * operations in the same order as Redis 7.0, so replies match it to the last digit.  Pure
 * arithmetic: no allocation, no SDK.
 */
#ifndef KEEL_ZSETS_GEOHASH_H
#define KEEL_ZSETS_GEOHASH_H

#include <stdbool.h>
#include <stdint.h>

#define GEO_LON_MIN (-180.0)
#define GEO_LON_MAX 180.0
#define GEO_LAT_MIN (-85.05112878)
#define GEO_LAT_MAX 85.05112878
/* Bits per coordinate of a stored code. */
#define GEO_STEP_MAX 26

/* A cell: the first 2 * step bits of a code.  step 0 is no cell (a neighbour a search drops). */
typedef struct geo_cell {
    uint64_t bits;
    uint8_t step;
} geo_cell;

/* A coordinate interval, and the rectangle of a cell. */
typedef struct geo_interval {
    double min, max;
} geo_interval;

typedef struct geo_area {
    geo_interval lon, lat;
} geo_area;

/* What a search covers: a circle of radius, or a box width x height (east-west, north-south),
 * in units that are to_m metres each, around (lon, lat). */
typedef struct geo_shape {
    bool box;
    double lon, lat;
    double radius, width, height;
    double to_m;
} geo_shape;

/* Encodes (lon, lat) at step bits per coordinate over the given intervals; false when the point
 * lies outside the Web Mercator limits or the intervals. */
bool geo_encode(double lon, double lat, const geo_interval *lon_iv, const geo_interval *lat_iv,
                uint8_t step, geo_cell *out);
/* The same over the Web Mercator intervals (what scores use). */
bool geo_encode_wgs84(double lon, double lat, uint8_t step, geo_cell *out);
/* The rectangle of cell c over the Web Mercator intervals. */
void geo_decode(geo_cell c, geo_area *out);
/* The cell's code shifted to 52 bits: the lowest score inside it. */
uint64_t geo_align52(geo_cell c);
/* The score of a point (a code as a sorted set stores it); false outside the limits. */
bool geo_score_of(double lon, double lat, double *score);
/* The point a score stands for: the centre of its step-26 cell, clamped to the limits. */
void geo_point_of(double score, double *lon, double *lat);
/* The 11-character standard geohash (latitudes -90..90) of the point a score stands for. */
void geo_hash_text(double score, char out[11]);

/* The eight neighbours of c, in Redis's order: north, south, east, west, north-east,
 * north-west, south-east, south-west (wrapping around in longitude and latitude). */
void geo_neighbours(geo_cell c, geo_cell out[8]);

/* Haversine distance in metres on Redis's Earth (radius 6372797.560856 m). */
double geo_distance(double lon1, double lat1, double lon2, double lat2);

/* The nine cells a search of shape reads, in Redis's order: the centre's cell, then its
 * neighbours as geo_neighbours orders them; cells the shape cannot reach have step 0. */
void geo_search_cells(const geo_shape *s, geo_cell out[9]);
/* Whether the point (lon, lat) lies inside shape; *dist: its distance from the centre in
 * metres (set only when inside). */
bool geo_within(const geo_shape *s, double lon, double lat, double *dist);

#endif
