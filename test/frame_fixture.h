/* frame_fixture.h - per-step distributions (f32, peaked softmax) and the symbols drawn from
 * them, for the framed-container tests. Define VOCAB and MAX_STEPS before including it. */
#ifndef DC_TEST_FRAME_FIXTURE_H
#define DC_TEST_FRAME_FIXTURE_H

#include "test_util.h"

typedef struct fixture {
    float dist[MAX_STEPS][VOCAB];
    size_t symbols[MAX_STEPS];
    size_t steps;
} fixture;

static void make_fixture(fixture *f, uint64_t seed, size_t steps)
{
    test_rng r = {seed};
    double p[VOCAB];
    f->steps = steps;
    for (size_t t = 0; t < steps; t++) {
        make_softmax(&r, p, VOCAB, 3.0);
        store_as(DC_DTYPE_F32, f->dist[t], p, VOCAB);
        f->symbols[t] = draw(&r, p, VOCAB);
    }
}

#endif
