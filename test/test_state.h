/* test_state.h - CHECK_REFUSED: a call returns the expected error and leaves the coder's
 * state, output length and input position exactly as they were. */
#ifndef DC_TEST_STATE_H
#define DC_TEST_STATE_H

#include "internal.h"
#include "test_util.h"

typedef struct snapshot {
    dc_coder_state st;
    int state;
    size_t out_len, in_pos;
} snapshot;

static inline snapshot take(const dc_coder *c)
{
    snapshot s;
    memset(&s, 0, sizeof s);
    s.st = c->st;
    s.state = c->state;
    s.out_len = c->out_len;
    s.in_pos = c->in_pos;
    return s;
}

static inline int same(const snapshot *a, const snapshot *b)
{
    return memcmp(&a->st, &b->st, sizeof a->st) == 0 && a->state == b->state &&
           a->out_len == b->out_len && a->in_pos == b->in_pos;
}

#define CHECK_REFUSED(coder, expr, code)      \
    do {                                      \
        const snapshot before_ = take(coder); \
        CHECK_RESULT(expr, code);             \
        const snapshot after_ = take(coder);  \
        CHECK(same(&before_, &after_));       \
    } while (0)

#endif
