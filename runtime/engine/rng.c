/* rng.c: Philox4x32-10 and the bit-exact Box-Muller transform of docs/rng.md.
 * Built with -ffp-contract=off (CMakeLists.txt): every a * b + c below is two roundings. */
#include "engine/rng.h"

#include <string.h>

#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u

void rng_philox4x32_10(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4])
{
    uint32_t c0 = ctr[0], c1 = ctr[1], c2 = ctr[2], c3 = ctr[3];
    uint32_t k0 = key[0], k1 = key[1];
    for (int r = 0; r < 10; r++) {
        if (r > 0) {
            k0 += PHILOX_W0;
            k1 += PHILOX_W1;
        }
        uint64_t p0 = (uint64_t)PHILOX_M0 * c0;
        uint64_t p1 = (uint64_t)PHILOX_M1 * c2;
        uint32_t n0 = (uint32_t)(p1 >> 32) ^ c1 ^ k0;
        uint32_t n2 = (uint32_t)(p0 >> 32) ^ c3 ^ k1;
        c1 = (uint32_t)p1;
        c3 = (uint32_t)p0;
        c0 = n0;
        c2 = n2;
    }
    out[0] = c0; out[1] = c1; out[2] = c2; out[3] = c3;
}

static uint32_t f2u(float f) { uint32_t u; memcpy(&u, &f, sizeof u); return u; }
static float u2f(uint32_t u) { float f; memcpy(&f, &u, sizeof f); return f; }

/* natural log of a positive normal binary32 value (Cephes-style reduction, see docs/rng.md) */
static float log_f(float u)
{
    static const float L[9] = {0x1.204376p-4f, -0x1.d7a370p-4f, 0x1.de4a34p-4f,
                               -0x1.fcba9ep-4f, 0x1.23d37ep-3f, -0x1.555ca0p-3f,
                               0x1.999d58p-3f, -0x1.fffff8p-3f, 0x1.555554p-2f};
    uint32_t bits = f2u(u);
    int e = (int)((bits >> 23) & 0xffu) - 127;
    float m = u2f((bits & 0x7fffffu) | 0x3f800000u);
    if (m > 0x1.6a09e6p+0f) {
        m = m * 0.5f;
        e = e + 1;
    }
    float x = m - 1.0f;
    float z = x * x;
    float p = L[0];
    for (int i = 1; i < 9; i++) p = p * x + L[i];
    float v = (x * z) * p;
    float fe = (float)e;
    v = v + fe * -0x1.bd0106p-13f;
    v = v - 0.5f * z;
    float w = x + v;
    w = w + fe * 0x1.63p-1f;
    return w;
}

static float sqrt_f(float y)
{
    if (y == 0.0f) return 0.0f;
    float g = u2f(0x5f3759dfu - (f2u(y) >> 1));
    float h = 0.5f * y;
    for (int i = 0; i < 3; i++) g = g * (1.5f - (h * g) * g);
    return y * g;
}

static float sin_f(float t)
{
    static const float S[6] = {0x1.612462p-33f, -0x1.ae6456p-26f, 0x1.71de3ap-19f,
                               -0x1.a01a02p-13f, 0x1.111112p-7f, -0x1.555556p-3f};
    float t2 = t * t;
    float p = S[0];
    for (int i = 1; i < 6; i++) p = p * t2 + S[i];
    p = p * t2 + 1.0f;
    return t * p;
}

static float cos_f(float t)
{
    static const float C[7] = {-0x1.93974ap-37f, 0x1.1eed8ep-29f, -0x1.27e4fcp-22f,
                               0x1.a01a02p-16f, -0x1.6c16c2p-10f, 0x1.555556p-5f, -0x1p-1f};
    float t2 = t * t;
    float p = C[0];
    for (int i = 1; i < 7; i++) p = p * t2 + C[i];
    p = p * t2 + 1.0f;
    return p;
}

void rng_box_muller(uint32_t a, uint32_t b, float *n0, float *n1)
{
    float u = (float)((a >> 8) + 1u) * 0x1p-24f;
    float y = -2.0f * log_f(u);
    float r = sqrt_f(y);
    uint32_t q = b >> 30;
    float f = (float)((b >> 6) & 0xFFFFFFu) * 0x1p-24f;
    float t = f * 0x1.921fb6p+0f;
    float c = cos_f(t), s = sin_f(t);
    float C, S;
    switch (q) {
    case 0: C = c; S = s; break;
    case 1: C = -s; S = c; break;
    case 2: C = -c; S = -s; break;
    default: C = s; S = -c; break;
    }
    *n0 = r * C;
    *n1 = r * S;
}

void rng_normal4(uint64_t seed, uint32_t input, uint32_t candidate, uint32_t step,
                 uint32_t position, uint32_t block, float out[4])
{
    const uint32_t key[2] = {(uint32_t)seed, (uint32_t)(seed >> 32)};
    const uint32_t ctr[4] = {(position << 16) | block, step, candidate, input};
    uint32_t w[4];
    rng_philox4x32_10(ctr, key, w);
    rng_box_muller(w[0], w[1], &out[0], &out[1]);
    rng_box_muller(w[2], w[3], &out[2], &out[3]);
}

float rng_normal(uint64_t seed, uint32_t input, uint32_t candidate, uint32_t step,
                 uint32_t position, uint32_t channel)
{
    float q[4];
    rng_normal4(seed, input, candidate, step, position, channel >> 2, q);
    return q[channel & 3];
}

int rng_fill(uint64_t seed, uint32_t input, uint32_t candidate, uint32_t step, size_t n_pos,
             size_t dim, float *out)
{
    if (n_pos > 65536 || dim > 4 * (size_t)65536) return -1;
    for (size_t n = 0; n < n_pos; n++) {
        for (size_t c = 0; c < dim; c += 4) {
            float q[4];
            rng_normal4(seed, input, candidate, step, (uint32_t)n, (uint32_t)(c >> 2), q);
            for (size_t i = 0; i < 4 && c + i < dim; i++) out[n * dim + c + i] = q[i];
        }
    }
    return 0;
}
