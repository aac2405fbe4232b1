/* sha256.h - a small SHA-256 (FIPS 180-4) for the golden suite. Not part of the library. */
#ifndef DC_GOLDEN_SHA256_H
#define DC_GOLDEN_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct dc_sha256 {
    uint32_t h[8];
    uint64_t length;      /* bytes hashed so far */
    unsigned char block[64];
    size_t fill;          /* bytes waiting in block */
} dc_sha256;

void dc_sha256_init(dc_sha256 *s);
void dc_sha256_update(dc_sha256 *s, const void *data, size_t size);
void dc_sha256_final(dc_sha256 *s, unsigned char digest[32]);
/* Lower-case hex of the digest of data[0..size), NUL-terminated (65 chars). */
void dc_sha256_hex(const void *data, size_t size, char hex[65]);

#endif
