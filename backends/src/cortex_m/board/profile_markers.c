/*
 * The per-layer markers of the profile build (model-profile.elf; see tmlc_board.h). Only that
 * build links this file, so the normal program's code and instruction count do not change.
 * Like markers.c: a file of its own, noinline, bodies that differ, so each stays a real
 * function at an address an instruction counter can watch.
 */
#include "tmlc_board.h"

volatile uint32_t tmlc_profile_state;

__attribute__((noinline, used)) void tmlc_marker_layer_begin(void) {
    tmlc_profile_state = 1u;
}

__attribute__((noinline, used)) void tmlc_marker_layer_end(void) {
    tmlc_profile_state = 2u;
}
