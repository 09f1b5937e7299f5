/*
 * tmlc's instruction counter: a QEMU TCG plugin that counts the guest instructions executed
 * from the first execution of one address (the start marker) to the next execution of another
 * (the end marker), and reports the count when QEMU exits.
 *
 *   cc -shared -fPIC -O2 -std=c11 -fvisibility=hidden -o libtmlc_icount.so tmlc_icount.c
 *   qemu-system-arm ... -icount shift=0,align=off,sleep=off \
 *       -plugin ./libtmlc_icount.so,start=0x2bc,end=0x2c8,out=count.txt
 *
 * (tmlc sim builds it into a cache directory and finds the marker addresses with
 * arm-none-eabi-nm; nothing built from this file is committed.)
 *
 * Arguments: start=ADDR and end=ADDR (hex with 0x, or decimal; the Thumb bit is ignored),
 * out=FILE (optional: write the report there; it always goes to qemu_plugin_outs too, which
 * QEMU shows with -d plugin), and for a per-layer profile layer_begin=ADDR and layer_end=ADDR
 * (optional, both or neither: the functions the profile build's layer hooks call). The report's
 * first line is
 *
 *   tmlc-icount: instructions=N            (both markers were reached)
 *   tmlc-icount: start marker not reached  (or: end marker not reached)
 *
 * and with the layer markers, one more line per layer, in the order they ran, after a count:
 *
 *   tmlc-icount: layers=L
 *   tmlc-icount: layer instructions=N      (from layer_begin's first instruction to layer_end's)
 *   tmlc-icount: layer markers unpaired    (a begin without its end, or an end without a begin)
 *
 * Only layer markers between the start and the end marker count.
 *
 * Every instruction increments a counter inline (no helper call); the markers' first
 * instructions also call back to snapshot it. The count is therefore the number of guest
 * instructions executed from the start marker's first instruction (included) to the end
 * marker's first instruction (excluded), identical from run to run.
 *
 * Debian's QEMU ships no plugin header, so the few API declarations used are written out below;
 * they match QEMU's include/qemu/qemu-plugin.h at plugin API version 1 (QEMU 4.2 to 8.1,
 * Debian 12's QEMU 7.2 included), which later versions still accept.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the QEMU plugin API (subset of qemu-plugin.h, version 1) ---- */

#define TMLC_EXPORT __attribute__((visibility("default")))

typedef uint64_t qemu_plugin_id_t;

typedef struct qemu_info_t {
    const char *target_name;
    struct {
        int min;
        int cur;
    } version;
    bool system_emulation;
    union {
        struct {
            int smp_vcpus;
            int max_vcpus;
        } system;
    } u;
} qemu_info_t;

struct qemu_plugin_tb;
struct qemu_plugin_insn;

enum qemu_plugin_cb_flags {
    QEMU_PLUGIN_CB_NO_REGS,
    QEMU_PLUGIN_CB_R_REGS,
    QEMU_PLUGIN_CB_RW_REGS
};

enum qemu_plugin_op {
    QEMU_PLUGIN_INLINE_ADD_U64
};

typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index, void *userdata);
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn,
                                            qemu_plugin_vcpu_udata_cb_t cb,
                                            enum qemu_plugin_cb_flags flags, void *userdata);
void qemu_plugin_register_vcpu_insn_exec_inline(struct qemu_plugin_insn *insn,
                                                enum qemu_plugin_op op, void *ptr, uint64_t imm);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb,
                                    void *userdata);
void qemu_plugin_outs(const char *string);

TMLC_EXPORT int qemu_plugin_version = 1;
TMLC_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc,
                                    char **argv);

/* ---- the counter ---- */

static uint64_t start_address;
static uint64_t end_address;
static uint64_t layer_begin_address;
static uint64_t layer_end_address;
static bool profile_layers;
static const char *out_path;

/* Instructions executed so far (the inline op adds 1 per instruction). */
static uint64_t executed;
static uint64_t start_count;
static uint64_t end_count;
static bool started;
static bool ended;

/* The per-layer profile: the instructions of every finished layer, in order. */
static uint64_t *layer_counts;
static size_t layer_count;
static size_t layer_capacity;
static uint64_t layer_begin_count;
static bool in_layer;
static bool layers_unpaired;
static bool out_of_memory;

static void on_start(unsigned int vcpu_index, void *userdata) {
    (void)vcpu_index;
    (void)userdata;
    if (!started) {
        started = true;
        start_count = executed;
    }
}

static void on_end(unsigned int vcpu_index, void *userdata) {
    (void)vcpu_index;
    (void)userdata;
    if (started && !ended) {
        ended = true;
        end_count = executed;
    }
}

static void on_layer_begin(unsigned int vcpu_index, void *userdata) {
    (void)vcpu_index;
    (void)userdata;
    if (!started || ended) {
        return;
    }
    if (in_layer) {
        layers_unpaired = true;
    }
    in_layer = true;
    layer_begin_count = executed;
}

static void on_layer_end(unsigned int vcpu_index, void *userdata) {
    (void)vcpu_index;
    (void)userdata;
    if (!started || ended) {
        return;
    }
    if (!in_layer) {
        layers_unpaired = true;
        return;
    }
    in_layer = false;
    if (layer_count == layer_capacity) {
        size_t capacity = layer_capacity == 0 ? 64 : 2 * layer_capacity;
        uint64_t *grown = realloc(layer_counts, capacity * sizeof *grown);
        if (grown == NULL) {
            out_of_memory = true;
            return;
        }
        layer_counts = grown;
        layer_capacity = capacity;
    }
    layer_counts[layer_count++] = executed - layer_begin_count;
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb) {
    size_t n = qemu_plugin_tb_n_insns(tb);
    size_t i;
    (void)id;
    for (i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        uint64_t address = qemu_plugin_insn_vaddr(insn) & ~(uint64_t)1;
        qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64, &executed, 1);
        if (address == start_address) {
            qemu_plugin_register_vcpu_insn_exec_cb(insn, on_start, QEMU_PLUGIN_CB_NO_REGS, NULL);
        }
        if (address == end_address) {
            qemu_plugin_register_vcpu_insn_exec_cb(insn, on_end, QEMU_PLUGIN_CB_NO_REGS, NULL);
        }
        if (profile_layers && address == layer_begin_address) {
            qemu_plugin_register_vcpu_insn_exec_cb(insn, on_layer_begin, QEMU_PLUGIN_CB_NO_REGS,
                                                   NULL);
        }
        if (profile_layers && address == layer_end_address) {
            qemu_plugin_register_vcpu_insn_exec_cb(insn, on_layer_end, QEMU_PLUGIN_CB_NO_REGS,
                                                   NULL);
        }
    }
}

/* Writes one report line to QEMU's plugin output and to the report file, if any. */
static void report_line(FILE *file, const char *line) {
    qemu_plugin_outs(line);
    if (file != NULL) {
        fputs(line, file);
    }
}

static void report_at_exit(qemu_plugin_id_t id, void *userdata) {
    char line[128];
    FILE *file = out_path != NULL ? fopen(out_path, "w") : NULL;
    size_t i;
    (void)id;
    (void)userdata;
    if (!started) {
        snprintf(line, sizeof line, "tmlc-icount: start marker not reached\n");
    } else if (!ended) {
        snprintf(line, sizeof line, "tmlc-icount: end marker not reached\n");
    } else {
        snprintf(line, sizeof line, "tmlc-icount: instructions=%" PRIu64 "\n", end_count - start_count);
    }
    report_line(file, line);
    if (profile_layers && started && ended) {
        if (layers_unpaired || in_layer) {
            report_line(file, "tmlc-icount: layer markers unpaired\n");
        } else if (out_of_memory) {
            report_line(file, "tmlc-icount: out of memory for the layer profile\n");
        } else {
            snprintf(line, sizeof line, "tmlc-icount: layers=%zu\n", layer_count);
            report_line(file, line);
            for (i = 0; i < layer_count; i++) {
                snprintf(line, sizeof line, "tmlc-icount: layer instructions=%" PRIu64 "\n",
                         layer_counts[i]);
                report_line(file, line);
            }
        }
    }
    if (file != NULL) {
        fclose(file);
    }
    free(layer_counts);
}

/* Parses "0x..." or decimal; returns false on junk. */
static bool parse_address(const char *text, uint64_t *value) {
    char *end;
    if (*text == '\0') {
        return false;
    }
    *value = strtoull(text, &end, 0) & ~(uint64_t)1;
    return *end == '\0';
}

TMLC_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc,
                                    char **argv) {
    bool have_start = false;
    bool have_end = false;
    bool have_layer_begin = false;
    bool have_layer_end = false;
    int i;
    (void)info;
    for (i = 0; i < argc; i++) {
        const char *arg = argv[i];
        if (strncmp(arg, "start=", 6) == 0) {
            have_start = parse_address(arg + 6, &start_address);
        } else if (strncmp(arg, "end=", 4) == 0) {
            have_end = parse_address(arg + 4, &end_address);
        } else if (strncmp(arg, "layer_begin=", 12) == 0) {
            have_layer_begin = parse_address(arg + 12, &layer_begin_address);
        } else if (strncmp(arg, "layer_end=", 10) == 0) {
            have_layer_end = parse_address(arg + 10, &layer_end_address);
        } else if (strncmp(arg, "out=", 4) == 0) {
            out_path = arg + 4;
        } else {
            fprintf(stderr, "tmlc-icount: unknown argument '%s'\n", arg);
            return -1;
        }
    }
    if (!have_start || !have_end) {
        fprintf(stderr, "tmlc-icount: needs start=ADDR and end=ADDR\n");
        return -1;
    }
    if (have_layer_begin != have_layer_end) {
        fprintf(stderr, "tmlc-icount: needs both layer_begin=ADDR and layer_end=ADDR, or neither\n");
        return -1;
    }
    profile_layers = have_layer_begin;
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
    qemu_plugin_register_atexit_cb(id, report_at_exit, NULL);
    return 0;
}
