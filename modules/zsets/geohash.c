/* geohash.c -- Redis 7.0's geohash arithmetic for geo sorted sets (see geohash.h). */
#include "geohash.h"

#include <math.h>

/* Degrees to radians and back, as one constant factor (the order Redis multiplies in). */
#define DEG_TO_RAD_FACTOR (M_PI / 180.0)
/* Redis's Earth radius (the quadratic mean radius of WGS-84) and its Mercator world width. */
static const double earth_radius_m = 6372797.560856;
static const double mercator_max = 20037726.37;

#define EVEN_BITS 0x5555555555555555ULL
#define ODD_BITS 0xaaaaaaaaaaaaaaaaULL

static const geo_interval wgs84_lon = {GEO_LON_MIN, GEO_LON_MAX};
static const geo_interval wgs84_lat = {GEO_LAT_MIN, GEO_LAT_MAX};

static double to_rad(double deg) {
    return deg * DEG_TO_RAD_FACTOR;
}

static double to_deg(double rad) {
    return rad / DEG_TO_RAD_FACTOR;
}

/* ======== bit interleaving ======== */

/* Moves bit i of v to bit 2i (the 32 low bits spread over the even bits). */
static uint64_t spread(uint32_t v) {
    static const uint64_t masks[] = {0x0000FFFF0000FFFFULL, 0x00FF00FF00FF00FFULL,
                                     0x0F0F0F0F0F0F0F0FULL, 0x3333333333333333ULL, EVEN_BITS};
    uint64_t x = v;
    for (unsigned i = 0, shift = 16; i < 5; i++, shift /= 2)
        x = (x | (x << shift)) & masks[i];
    return x;
}

/* The inverse: the even bits of x packed into the low 32 bits. */
static uint32_t squeeze(uint64_t x) {
    static const uint64_t masks[] = {0x3333333333333333ULL, 0x0F0F0F0F0F0F0F0FULL,
                                     0x00FF00FF00FF00FFULL, 0x0000FFFF0000FFFFULL,
                                     0x00000000FFFFFFFFULL};
    x &= EVEN_BITS;
    for (unsigned i = 0, shift = 1; i < 5; i++, shift *= 2)
        x = (x | (x >> shift)) & masks[i];
    return (uint32_t)x;
}

/* ======== cells ======== */

bool geo_encode(double lon, double lat, const geo_interval *lon_iv, const geo_interval *lat_iv,
                uint8_t step, geo_cell *out) {
    if (step == 0 || step > 32) return false;
    if (!(lon >= GEO_LON_MIN && lon <= GEO_LON_MAX && lat >= GEO_LAT_MIN && lat <= GEO_LAT_MAX))
        return false;
    if (lat < lat_iv->min || lat > lat_iv->max || lon < lon_iv->min || lon > lon_iv->max)
        return false;
    double lat_frac = (lat - lat_iv->min) / (lat_iv->max - lat_iv->min);
    double lon_frac = (lon - lon_iv->min) / (lon_iv->max - lon_iv->min);
    double cells = (double)(1ULL << step);
    lat_frac *= cells;
    lon_frac *= cells;
    out->bits = spread((uint32_t)lat_frac) | (spread((uint32_t)lon_frac) << 1);
    out->step = step;
    return true;
}

bool geo_encode_wgs84(double lon, double lat, uint8_t step, geo_cell *out) {
    return geo_encode(lon, lat, &wgs84_lon, &wgs84_lat, step, out);
}

/* One coordinate of a cell: cell number i of 2^step over iv. */
static geo_interval cell_interval(uint32_t i, uint8_t step, const geo_interval *iv) {
    double scale = iv->max - iv->min, cells = (double)(1ULL << step);
    uint32_t next = i + 1;
    geo_interval r = {iv->min + ((double)i / cells) * scale,
                      iv->min + ((double)next / cells) * scale};
    return r;
}

void geo_decode(geo_cell c, geo_area *out) {
    out->lat = cell_interval(squeeze(c.bits), c.step, &wgs84_lat);
    out->lon = cell_interval(squeeze(c.bits >> 1), c.step, &wgs84_lon);
}

uint64_t geo_align52(geo_cell c) {
    return c.bits << (52 - 2 * c.step);
}

bool geo_score_of(double lon, double lat, double *score) {
    geo_cell c;
    if (!geo_encode_wgs84(lon, lat, GEO_STEP_MAX, &c)) return false;
    *score = (double)geo_align52(c);
    return true;
}

static double clamp(double v, double lo, double hi) {
    return v > hi ? hi : v < lo ? lo : v;
}

/* A score's bits as Redis's (uint64_t)score gives them on x86-64 for any double, without the
 * undefined behaviour: a score not written by GEOADD (ZADD g -1 m, 1e20, inf) still decodes
 * to the point Redis shows for it. */
static uint64_t score_bits(double s) {
    const double two63 = 9223372036854775808.0;
    const uint64_t top = 0x8000000000000000ULL;
    if (!(s >= two63)) return s >= -two63 ? (uint64_t)(int64_t)s : top; /* NaN: top */
    double low = s - two63;
    return (low < two63 ? (uint64_t)(int64_t)low : top) ^ top;
}

void geo_point_of(double score, double *lon, double *lat) {
    geo_cell c = {score_bits(score), GEO_STEP_MAX};
    geo_area a;
    geo_decode(c, &a);
    *lon = clamp((a.lon.min + a.lon.max) / 2, GEO_LON_MIN, GEO_LON_MAX);
    *lat = clamp((a.lat.min + a.lat.max) / 2, GEO_LAT_MIN, GEO_LAT_MAX);
}

void geo_hash_text(double score, char out[11]) {
    static const char alphabet[] = "0123456789bcdefghjkmnpqrstuvwxyz";
    static const geo_interval lon_iv = {-180, 180}, lat_iv = {-90, 90};
    double lon, lat;
    geo_point_of(score, &lon, &lat);
    geo_cell c = {0, 0};
    geo_encode(lon, lat, &lon_iv, &lat_iv, GEO_STEP_MAX, &c);
    /* 52 bits make ten characters; the eleventh is always '0' (what Redis answers) */
    for (int i = 0; i < 10; i++)
        out[i] = alphabet[(c.bits >> (52 - 5 * (i + 1))) & 0x1f];
    out[10] = alphabet[0];
}

/* ======== neighbours ======== */

/* Adds d (+1 or -1) to the coordinate held in the bits of mask (the even bits: latitude, the
 * odd bits: longitude) of c, wrapping around; the other coordinate is kept. */
static geo_cell shifted(geo_cell c, uint64_t mask, int d) {
    uint64_t used = ~0ULL >> (64 - 2 * c.step);
    uint64_t mine = c.bits & mask & used, other = c.bits & ~mask & used;
    /* filling the other coordinate's bits with ones lets a carry run through them; a borrow
     * runs through zeros on its own */
    uint64_t moved = d > 0 ? (mine | (~mask & used)) + 1 : mine - 1;
    c.bits = (moved & mask & used) | other;
    return c;
}

void geo_neighbours(geo_cell c, geo_cell out[8]) {
    static const int moves[8][2] = {
        {0, 1}, {0, -1}, {1, 0}, {-1, 0}, {1, 1}, {-1, 1}, {1, -1}, {-1, -1},
    }; /* (longitude, latitude): N S E W NE NW SE SW */
    for (int i = 0; i < 8; i++) {
        geo_cell n = c;
        if (moves[i][0]) n = shifted(n, ODD_BITS, moves[i][0]);
        if (moves[i][1]) n = shifted(n, EVEN_BITS, moves[i][1]);
        out[i] = n;
    }
}

/* ======== distances and shapes ======== */

double geo_distance(double lon1, double lat1, double lon2, double lat2) {
    double lat1r = to_rad(lat1), lon1r = to_rad(lon1);
    double lat2r = to_rad(lat2), lon2r = to_rad(lon2);
    double u = sin((lat2r - lat1r) / 2);
    double v = sin((lon2r - lon1r) / 2);
    return 2.0 * earth_radius_m * asin(sqrt(u * u + cos(lat1r) * cos(lat2r) * v * v));
}

/* The step whose cells are about as large as range_m at latitude lat. */
static uint8_t steps_for(double range_m, double lat) {
    if (range_m == 0) return GEO_STEP_MAX;
    int step = 1;
    for (; range_m < mercator_max; step++)
        range_m *= 2;
    step -= 2;                         /* so the range fits in most cases */
    if (lat > 66 || lat < -66) step--; /* meridians draw closer towards the poles */
    if (lat > 80 || lat < -80) step--;
    if (step < 1) step = 1;
    if (step > GEO_STEP_MAX) step = GEO_STEP_MAX;
    return (uint8_t)step;
}

/* The shape's bounding rectangle in degrees: west, south, east, north.  Its east-west extent
 * is taken at the edge nearer the pole (the wider one in degrees). */
static void bounds_of(const geo_shape *s, double b[4]) {
    double half_h = s->to_m * (s->box ? s->height / 2 : s->radius);
    double half_w = s->to_m * (s->box ? s->width / 2 : s->radius);
    double lat_delta = to_deg(half_h / earth_radius_m);
    double lon_delta_north = to_deg(half_w / earth_radius_m / cos(to_rad(s->lat + lat_delta)));
    double lon_delta_south = to_deg(half_w / earth_radius_m / cos(to_rad(s->lat - lat_delta)));
    double lon_delta = s->lat < 0 ? lon_delta_south : lon_delta_north;
    b[0] = s->lon - lon_delta;
    b[2] = s->lon + lon_delta;
    b[1] = s->lat - lat_delta;
    b[3] = s->lat + lat_delta;
}

/* The centre's cell at step, its rectangle, and its neighbours. */
static void cells_at(const geo_shape *s, uint8_t step, geo_cell out[9], geo_area *centre) {
    geo_encode_wgs84(s->lon, s->lat, step, &out[0]);
    geo_neighbours(out[0], out + 1);
    geo_decode(out[0], centre);
}

enum { C_SELF, C_N, C_S, C_E, C_W, C_NE, C_NW, C_SE, C_SW };

void geo_search_cells(const geo_shape *s, geo_cell out[9]) {
    double b[4];
    bounds_of(s, b);
    double range_m = s->box
                         ? sqrt((s->width / 2) * (s->width / 2) + (s->height / 2) * (s->height / 2))
                         : s->radius;
    range_m *= s->to_m;
    uint8_t step = steps_for(range_m, s->lat);
    geo_area centre, n, so, e, w;
    cells_at(s, step, out, &centre);
    /* one level coarser when a neighbour does not reach the bounds */
    geo_decode(out[C_N], &n);
    geo_decode(out[C_S], &so);
    geo_decode(out[C_E], &e);
    geo_decode(out[C_W], &w);
    bool short_of = n.lat.max < b[3] || so.lat.min > b[1] || e.lon.max < b[2] || w.lon.min > b[0];
    if (step > 1 && short_of) cells_at(s, --step, out, &centre);
    if (step < 2) return;
    /* drop the neighbours on a side the centre cell already covers */
    static const geo_cell none = {0, 0};
    if (centre.lat.min < b[1]) out[C_S] = out[C_SW] = out[C_SE] = none;
    if (centre.lat.max > b[3]) out[C_N] = out[C_NE] = out[C_NW] = none;
    if (centre.lon.min < b[0]) out[C_W] = out[C_SW] = out[C_NW] = none;
    if (centre.lon.max > b[2]) out[C_E] = out[C_SE] = out[C_NE] = none;
}

bool geo_within(const geo_shape *s, double lon, double lat, double *dist) {
    if (!s->box) {
        double d = geo_distance(s->lon, s->lat, lon, lat);
        if (d > s->radius * s->to_m) return false;
        *dist = d;
        return true;
    }
    double width_m = s->width * s->to_m, height_m = s->height * s->to_m;
    double ew = geo_distance(lon, lat, s->lon, lat);
    double ns = geo_distance(lon, lat, lon, s->lat);
    if (ew > width_m / 2 || ns > height_m / 2) return false;
    *dist = geo_distance(s->lon, s->lat, lon, lat);
    return true;
}
