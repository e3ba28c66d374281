/* table_ext.c -- out-of-line values, as both table layouts keep big boxes: growing a bytes value
 * in place (APPEND), with room to spare so that repeated appends are amortised O(1), and making
 * one whose bytes the caller writes (a big SET copied in slices). */
#include "table_shared.h"

#include <string.h>

#include <datakit/box.h>

#include "mem.h"

uint8_t *dk_ext_append(uint8_t *ext, const void *p, size_t n, size_t *bytes) {
    dk_val v;
    size_t size = dk_box_unpack(ext, dk_mem_usable(ext), &v);
    if (!size || v.type != DK_BYTES || (uint64_t)v.len + n > UINT32_MAX) return NULL;
    size_t len = v.len, head = size - len;
    size_t new_head = dk_box_bytes_header(len + n, NULL);
    size_t need = new_head + len + n, before = dk_mem_footprint(ext);
    if (need > dk_mem_usable(ext)) {
        uint8_t *grown = dk_realloc(ext, need + need / 2);
        if (!grown) return NULL;
        ext = grown;
    }
    if (new_head != head) /* the length grew a varint byte: rare, at 128, 16384, ... */
        memmove(ext + new_head, ext + head, len);
    dk_box_bytes_header(len + n, ext);
    if (p)
        memcpy(ext + new_head + len, p, n);
    else
        memset(ext + new_head + len, 0, n);
    *bytes = *bytes - before + dk_mem_footprint(ext);
    return ext;
}

uint8_t *dk_ext_reserve(size_t len, uint8_t **data, size_t *bytes) {
    if ((uint64_t)len > UINT32_MAX) return NULL;
    size_t head = dk_box_bytes_header(len, NULL);
    uint8_t *ext = dk_malloc(head + len);
    if (!ext) return NULL;
    dk_box_bytes_header(len, ext);
    *data = ext + head;
    *bytes += dk_mem_footprint(ext);
    return ext;
}
