/* test_zsets_geohash.c -- zsets.so's geohash arithmetic (modules/zsets/geohash.c): codes against
 * a bit-by-bit bisection model, decoding, neighbours, limits, distances, and the search's cells
 * covering every point inside its shape.  Values Redis 7.0 gives are checked as Redis prints
 * them (test_geo_compat.py compares whole replies with redis-server). */
#include <check.h>

#include "dk_check_fast.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geohash.h"

/* A fixed-seed generator, so every run checks the same points. */
static uint64_t rng_state;

static double uniform(double lo, double hi) {
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return lo + (hi - lo) * (double)(rng_state >> 11) / (double)(1ULL << 53);
}

/* The model: halve the interval step times, one bit per halving, latitude in the even bits. */
static uint64_t bisect(double lon, double lat, int step) {
    double lo[2] = {GEO_LAT_MIN, GEO_LON_MIN}, hi[2] = {GEO_LAT_MAX, GEO_LON_MAX};
    double v[2] = {lat, lon};
    uint64_t bits = 0;
    for (int i = step - 1; i >= 0; i--) {
        for (int c = 0; c < 2; c++) {
            double mid = (lo[c] + hi[c]) / 2;
            if (v[c] >= mid) {
                bits |= 1ULL << (2 * i + c);
                lo[c] = mid;
            } else {
                hi[c] = mid;
            }
        }
    }
    return bits;
}

/* Redis's GEOPOS text of a coordinate ("%.17Lf" without trailing zeros). */
static void human(double d, char *out, size_t cap) {
    int n = snprintf(out, cap, "%.17Lf", (long double)d);
    while (n > 0 && out[n - 1] == '0')
        out[--n] = '\0';
    if (n > 0 && out[n - 1] == '.') out[--n] = '\0';
}

START_TEST(test_geohash_known_points_as_redis) {
    /* GEOADD g 13.361389 38.115556 Palermo 15.087269 37.502669 Catania, then ZSCORE, GEOPOS,
     * GEOHASH and GEODIST as redis-server 7.0 answers them */
    double s;
    ck_assert(geo_score_of(13.361389, 38.115556, &s));
    ck_assert(s == 3479099956230698.0);
    double lon, lat;
    char text[64], hash[12] = {0};
    geo_point_of(s, &lon, &lat);
    human(lon, text, sizeof text);
    ck_assert_str_eq(text, "13.36138933897018433");
    human(lat, text, sizeof text);
    ck_assert_str_eq(text, "38.11555639549629859");
    geo_hash_text(s, hash);
    ck_assert_str_eq(hash, "sqc8b49rny0");
    double c;
    ck_assert(geo_score_of(15.087269, 37.502669, &c));
    ck_assert(c == 3479447370796909.0);
    geo_hash_text(c, hash);
    ck_assert_str_eq(hash, "sqdtr74hyu0");
    double clon, clat;
    geo_point_of(c, &clon, &clat);
    snprintf(text, sizeof text, "%.4f", geo_distance(lon, lat, clon, clat) / 1000);
    ck_assert_str_eq(text, "166.2742");
}
END_TEST

START_TEST(test_geohash_encode_matches_bisection) {
    rng_state = 12345;
    for (int i = 0; i < 20000; i++) {
        double lon = uniform(-180, 180), lat = uniform(GEO_LAT_MIN, GEO_LAT_MAX);
        int step = 1 + i % GEO_STEP_MAX;
        geo_cell cell;
        fast_assert(geo_encode_wgs84(lon, lat, (uint8_t)step, &cell));
        fast_assert_uint_eq(cell.step, step);
        fast_assert_msg(cell.bits == bisect(lon, lat, step), "(%.17g, %.17g) step %d", lon, lat,
                        step);
    }
}
END_TEST

START_TEST(test_geohash_decode_holds_the_point) {
    rng_state = 777;
    for (int i = 0; i < 20000; i++) {
        double lon = uniform(-180, 180), lat = uniform(GEO_LAT_MIN, GEO_LAT_MAX);
        geo_cell cell;
        geo_area a;
        fast_assert(geo_encode_wgs84(lon, lat, GEO_STEP_MAX, &cell));
        geo_decode(cell, &a);
        fast_assert(a.lon.min <= lon && lon <= a.lon.max && a.lat.min <= lat && lat <= a.lat.max);
        double score, plon, plat;
        fast_assert(geo_score_of(lon, lat, &score));
        fast_assert(score == (double)geo_align52(cell));
        geo_point_of(score, &plon, &plat);
        fast_assert(fabs(plon - lon) <= (a.lon.max - a.lon.min) / 2 * 1.000001);
        fast_assert(fabs(plat - lat) <= (a.lat.max - a.lat.min) / 2 * 1.000001);
        /* the 52-bit code sorts inside its coarser cells: a prefix */
        geo_cell coarse;
        fast_assert(geo_encode_wgs84(lon, lat, 10, &coarse));
        fast_assert_uint_eq(cell.bits >> 32, coarse.bits);
    }
}
END_TEST

START_TEST(test_geohash_limits) {
    double s;
    ck_assert(geo_score_of(-180, GEO_LAT_MIN, &s));
    ck_assert(s == 0);
    ck_assert(geo_score_of(180, GEO_LAT_MAX, &s));
    ck_assert(!geo_score_of(180.000001, 0, &s));
    ck_assert(!geo_score_of(-180.000001, 0, &s));
    ck_assert(!geo_score_of(0, 85.05112879, &s));
    ck_assert(!geo_score_of(0, -85.05112879, &s));
    ck_assert(!geo_score_of(NAN, 0, &s));
    geo_cell c;
    ck_assert(!geo_encode_wgs84(0, 0, 0, &c));
    ck_assert(!geo_encode_wgs84(0, 0, 33, &c));
}
END_TEST

START_TEST(test_geohash_neighbours_touch_and_wrap) {
    rng_state = 99;
    for (int i = 0; i < 2000; i++) {
        geo_cell c, n[8];
        uint8_t step = (uint8_t)(2 + i % 25);
        fast_assert(geo_encode_wgs84(uniform(-179, 179), uniform(-84, 84), step, &c));
        geo_neighbours(c, n);
        geo_area a, north, south, east, west, ne, sw;
        geo_decode(c, &a);
        geo_decode(n[0], &north);
        geo_decode(n[1], &south);
        geo_decode(n[2], &east);
        geo_decode(n[3], &west);
        geo_decode(n[4], &ne);
        geo_decode(n[7], &sw);
        for (int k = 0; k < 8; k++)
            fast_assert_uint_eq(n[k].step, step);
        double eps = 1e-9;
        if (a.lat.max < GEO_LAT_MAX - eps) ck_assert(fabs(north.lat.min - a.lat.max) < eps);
        if (a.lat.min > GEO_LAT_MIN + eps) ck_assert(fabs(south.lat.max - a.lat.min) < eps);
        if (a.lon.max < GEO_LON_MAX - eps) ck_assert(fabs(east.lon.min - a.lon.max) < eps);
        if (a.lon.min > GEO_LON_MIN + eps) ck_assert(fabs(west.lon.max - a.lon.min) < eps);
        fast_assert(north.lon.min == a.lon.min && east.lat.min == a.lat.min);
        fast_assert(ne.lon.min == east.lon.min && ne.lat.min == north.lat.min);
        fast_assert(sw.lon.min == west.lon.min && sw.lat.min == south.lat.min);
    }
    /* the easternmost cell's east neighbour is the westernmost one, and back */
    geo_cell edge, n[8];
    geo_area east, west;
    ck_assert(geo_encode_wgs84(179.9999, 0.5, 8, &edge));
    geo_neighbours(edge, n);
    geo_decode(n[2], &east);
    ck_assert(east.lon.min == -180.0);
    ck_assert(geo_encode_wgs84(-179.9999, 0.5, 8, &edge));
    geo_neighbours(edge, n);
    geo_decode(n[3], &west);
    ck_assert(west.lon.max == 180.0);
}
END_TEST

START_TEST(test_geohash_distance) {
    ck_assert(geo_distance(10, 20, 10, 20) == 0);
    /* a quarter of the equator, half a meridian on Redis's sphere */
    double r = 6372797.560856, quarter = geo_distance(0, 0, 90, 0);
    ck_assert(fabs(quarter - r * M_PI / 2) < 1e-6);
    ck_assert(fabs(geo_distance(0, -45, 0, 45) - quarter) < 1e-6);
    ck_assert(fabs(geo_distance(1, 2, 3, 4) - geo_distance(3, 4, 1, 2)) < 1e-6);
}
END_TEST

/* Whether a point's score falls in one of the nine cells, as a search reads them. */
static bool covered(const geo_cell cells[9], double lon, double lat) {
    double s;
    ck_assert(geo_score_of(lon, lat, &s));
    for (int i = 0; i < 9; i++) {
        if (cells[i].step == 0) continue;
        geo_cell above = cells[i];
        above.bits++;
        if (s >= (double)geo_align52(cells[i]) && s < (double)geo_align52(above)) return true;
    }
    return false;
}

START_TEST(test_geohash_search_cells_cover_the_shape) {
    rng_state = 4242;
    int inside = 0;
    for (int i = 0; i < 400; i++) {
        geo_shape sh = {.box = i % 2,
                        .lon = uniform(-170, 170),
                        .lat = uniform(-75, 75),
                        .radius = uniform(0.1, 300),
                        .width = uniform(0.1, 600),
                        .height = uniform(0.1, 600),
                        .to_m = 1000};
        geo_cell cells[9];
        geo_search_cells(&sh, cells);
        fast_assert(cells[0].step >= 1 && cells[0].step <= GEO_STEP_MAX);
        for (int k = 0; k < 300; k++) {
            double dlon = uniform(-8, 8), dlat = uniform(-6, 6), d;
            double lon = sh.lon + dlon, lat = sh.lat + dlat;
            if (lon < -180 || lon > 180) continue;
            double s;
            geo_score_of(lon, lat, &s);
            double plon, plat;
            geo_point_of(s, &plon, &plat); /* searches test the stored (decoded) point */
            if (!geo_within(&sh, plon, plat, &d)) continue;
            inside++;
            fast_assert_msg(covered(cells, lon, lat), "shape %d misses (%.6f, %.6f)", i, lon, lat);
        }
    }
    ck_assert_int_gt(inside, 5000); /* the test tried many points inside shapes */
}
END_TEST

START_TEST(test_geohash_within) {
    geo_shape circle = {.box = false, .lon = 0, .lat = 0, .radius = 100, .to_m = 1000};
    double d;
    ck_assert(geo_within(&circle, 0.5, 0.5, &d));
    ck_assert(fabs(d - geo_distance(0, 0, 0.5, 0.5)) < 1e-9);
    ck_assert(!geo_within(&circle, 1, 0.5, &d));
    /* a box 200 km wide, 100 km high: 0.8 degrees east is inside, 0.5 north is not */
    geo_shape box = {.box = true, .lon = 0, .lat = 0, .width = 200, .height = 100, .to_m = 1000};
    ck_assert(geo_within(&box, 0.8, 0, &d));
    ck_assert(!geo_within(&box, 0, 0.5, &d));
    ck_assert(geo_within(&box, 0, 0.4, &d));
    ck_assert(!geo_within(&box, 1, 0, &d));
}
END_TEST

int main(void) {
    Suite *s = suite_create("zsets_geohash");
    TCase *tc = tcase_create("geohash");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_geohash_known_points_as_redis);
    tcase_add_test(tc, test_geohash_encode_matches_bisection);
    tcase_add_test(tc, test_geohash_decode_holds_the_point);
    tcase_add_test(tc, test_geohash_limits);
    tcase_add_test(tc, test_geohash_neighbours_touch_and_wrap);
    tcase_add_test(tc, test_geohash_distance);
    tcase_add_test(tc, test_geohash_search_cells_cover_the_shape);
    tcase_add_test(tc, test_geohash_within);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
