/* rdb_skip.h -- passing over RDB values Keel does not rebuild (module values of the MODULE_2
 * format), and over strings, by reading exactly their length: checked against the
 * input's bounds like every reader here. */
#ifndef KEEL_DUMP_RDB_SKIP_H
#define KEEL_DUMP_RDB_SKIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One RDB string (plain, integer or LZF) in in[0..n): true with *used its size. */
bool rdb_skip_string(const uint8_t *in, size_t n, size_t *used);

/* A module value's body after its module id: opcodes and their values up to the EOF opcode. */
bool rdb_skip_module_body(const uint8_t *in, size_t n, size_t *used);

/* For a value of object type `type` at in[0..n): NULL when rdb_value_decode reads that type
 * (decode it instead); "" when the value was passed over (*used its size, why[0..cap) says what
 * it was: "a value of module type ReJSON-RL"); otherwise a message saying why it
 * cannot be read or passed over (a static string, or one written into why). */
const char *rdb_skip_value(uint8_t type, const uint8_t *in, size_t n, size_t *used, char *why,
                           size_t cap);

#endif
