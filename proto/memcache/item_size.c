/* item_size.c -- reading memcached's -I sizes. */
#include "item_size.h"
#include "number.h"
#include "wire.h"

bool mc_item_size_parse(const char *text, uint64_t *out) {
    if (!text) return false;
    size_t n = 0;
    while (text[n])
        n++;
    uint64_t unit = 1;
    if (n > 0) {
        switch (text[n - 1]) {
        case 'k':
        case 'K':
            unit = 1024;
            break;
        case 'm':
        case 'M':
            unit = 1024 * 1024;
            break;
        case 'g':
        case 'G':
            unit = 1024 * 1024 * 1024;
            break;
        default:
            break;
        }
    }
    uint64_t v;
    if (!mc_num_u64(text, n - (unit > 1), &v) || v > MC_ITEM_SIZE_LIMIT / unit) return false;
    v *= unit;
    if (v < MC_ITEM_SIZE_MIN || v > MC_ITEM_SIZE_LIMIT) return false;
    *out = v;
    return true;
}

uint64_t mc_item_size_or_default(const char *text) {
    uint64_t v;
    return mc_item_size_parse(text, &v) ? v : MC_ITEM_SIZE_MAX;
}
