/*
 * The instruction-count markers (see tmlc_board.h). They live in a file of their own and are
 * noinline, so they stay real functions at fixed addresses; their bodies differ, so the
 * compiler cannot fold one into the other.
 */
#include "tmlc_board.h"

volatile uint32_t tmlc_marker_state;

__attribute__((noinline, used)) void tmlc_marker_start(void) {
    tmlc_marker_state = 1u;
}

__attribute__((noinline, used)) void tmlc_marker_end(void) {
    tmlc_marker_state = 2u;
}
