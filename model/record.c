/*
 * record.c — see record.h.
 */
#include "record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hvmodel.h"
#include "memtrack.h"
#include "../trace/writer.h"

atomic_bool rec_on;
static pthread_mutex_t rec_lock = PTHREAD_MUTEX_INITIALIZER;
static struct hvt_writer writer = {.fd = -1};
static char *requested_path; /* hvm_trace_start() */
static unsigned vm_index;    /* VMs created in this process, for HVMODEL_TRACE */
static bool atexit_done;

static void emit(uint16_t type, const uint8_t *p, uint32_t n)
{
    if (sched_defer_record(type, p, n))
        return;
    pthread_mutex_lock(&rec_lock);
    if (rec_active())
        hvt_writer_record(&writer, type, p, n);
    pthread_mutex_unlock(&rec_lock);
}

void rec_replay_deferred(const uint8_t *buf, uint32_t len)
{
    pthread_mutex_lock(&rec_lock);
    for (uint32_t at = 0; at + 6 <= len;) {
        uint32_t n = hvt_get32(buf + at + 2);
        if (rec_active())
            hvt_writer_record(&writer, hvt_get16(buf + at), buf + at + 6, n);
        at += 6 + n;
    }
    pthread_mutex_unlock(&rec_lock);
}

static void flush_at_exit(void)
{
    pthread_mutex_lock(&rec_lock);
    if (rec_active())
        hvt_writer_flush(&writer);
    pthread_mutex_unlock(&rec_lock);
}

HVM_EXPORT hv_return_t hvm_trace_start(const char *path)
{
    if (!path || !*path)
        return HV_BAD_ARGUMENT;
    if (vm_current())
        return HV_BUSY; /* the trace must see the VM from its creation */
    char *p = strdup(path);
    if (!p)
        return HV_NO_RESOURCES;
    pthread_mutex_lock(&rec_lock);
    free(requested_path);
    requested_path = p;
    pthread_mutex_unlock(&rec_lock);
    return HV_SUCCESS;
}

HVM_EXPORT hv_return_t hvm_trace_stop(void)
{
    pthread_mutex_lock(&rec_lock);
    bool was = rec_active();
    if (was) {
        hvt_writer_close(&writer);
        atomic_store(&rec_on, false);
    }
    free(requested_path);
    requested_path = NULL;
    pthread_mutex_unlock(&rec_lock);
    return was ? HV_SUCCESS : HV_BAD_ARGUMENT;
}

void rec_vm_created(const struct hvm_vm *vm, uint32_t flavour)
{
    pthread_mutex_lock(&rec_lock);
    char *path = NULL;
    if (requested_path) {
        path = requested_path;
        requested_path = NULL;
    } else {
        const char *env = getenv("HVMODEL_TRACE");
        if (env && *env) {
            size_t n = strlen(env) + 16;
            path = malloc(n);
            if (path && vm_index)
                snprintf(path, n, "%s.%u", env, vm_index);
            else if (path)
                snprintf(path, n, "%s", env);
        }
    }
    vm_index++;
    if (path) {
        struct hvt_header h = {.major = HVT_MAJOR,
                               .minor = HVT_MINOR,
                               .flavour = flavour,
                               .ipa_bits = vm->params.ipa_bits,
                               .granule = (uint32_t)vm->params.granule,
                               .insns_per_tick = vm->insns_per_tick};
        unsigned major, minor;
        uc_version(&major, &minor);
        h.unicorn = major << 8 | minor;
        snprintf(h.model_version, sizeof(h.model_version), "%s", HVMODEL_VERSION);
        int err = hvt_writer_open(&writer, path, &h);
        if (err) {
            fprintf(stderr, "hvmodel: trace: cannot create %s: %s\n", path, strerror(-err));
        } else {
            memtrack_enable(true);
            atomic_store(&rec_on, true);
            if (!atexit_done) {
                atexit(flush_at_exit);
                atexit_done = true;
            }
        }
        free(path);
    }
    pthread_mutex_unlock(&rec_lock);
}

void rec_vm_destroyed(void)
{
    pthread_mutex_lock(&rec_lock);
    if (rec_active()) {
        hvt_writer_close(&writer);
        atomic_store(&rec_on, false);
    }
    memtrack_enable(false);
    pthread_mutex_unlock(&rec_lock);
}

void rec_abandon(const char *why)
{
    pthread_mutex_lock(&rec_lock);
    if (rec_active()) {
        fprintf(stderr, "hvmodel: trace: %s; recording stops, the trace so far stays valid\n", why);
        hvt_writer_abandon(&writer); /* no END: the file is a valid prefix */
        atomic_store(&rec_on, false);
    }
    pthread_mutex_unlock(&rec_lock);
}

/* The first use of a region: REGION, then its current content (zero pages
 * skipped). */
static void rec_region(uint32_t region, const uint8_t *region_base, uint64_t region_size)
{
    uint8_t b[12];
    hvt_put32(b, region);
    hvt_put64(b + 4, region_size);
    emit(HVT_REGION, b, 12);
    /* Pages never touched read as zero and are not recorded (nor read,
     * which would make the kernel allocate them). */
    static const uint8_t zero[4096];
    size_t pg = memtrack_page_size();
    const uint8_t *in_use = memtrack_region_content(region);
    for (uint64_t off = 0; off < region_size; off += sizeof(zero))
        if ((!in_use || in_use[off / pg]) && memcmp(region_base + off, zero, sizeof(zero)))
            rec_mem(region, off, region_base + off, sizeof(zero));
}

void rec_map(uint64_t gpa, uint64_t size, uint32_t prot, uint32_t region, uint64_t offset,
             bool new_region, const uint8_t *region_base, uint64_t region_size)
{
    if (!rec_active())
        return;
    if (new_region)
        rec_region(region, region_base, region_size);
    uint8_t b[32];
    hvt_put64(b, gpa);
    hvt_put64(b + 8, size);
    hvt_put32(b + 16, prot);
    hvt_put32(b + 20, region);
    hvt_put64(b + 24, offset);
    emit(HVT_MAP, b, sizeof(b));
}

void rec_space_memory(uint32_t space, uint16_t op, uint64_t gpa, uint64_t size, uint32_t prot,
                      uint32_t region, uint64_t offset, bool new_region, const uint8_t *region_base,
                      uint64_t region_size)
{
    if (!rec_active())
        return;
    if (new_region)
        rec_region(region, region_base, region_size);
    uint8_t b[40];
    hvt_put32(b, space);
    hvt_put32(b + 4, op);
    hvt_put64(b + 8, gpa);
    hvt_put64(b + 16, size);
    hvt_put32(b + 24, prot);
    hvt_put32(b + 28, region);
    hvt_put64(b + 32, offset);
    emit(HVT_SPACE_MEMORY, b, sizeof(b));
}

void rec_unmap(uint64_t gpa, uint64_t size)
{
    uint8_t b[16];
    hvt_put64(b, gpa);
    hvt_put64(b + 8, size);
    emit(HVT_UNMAP, b, 16);
}

void rec_protect(uint64_t gpa, uint64_t size, uint32_t prot)
{
    uint8_t b[20];
    hvt_put64(b, gpa);
    hvt_put64(b + 8, size);
    hvt_put32(b + 16, prot);
    emit(HVT_PROTECT, b, 20);
}

/* MEM records carry at most 4 KiB; larger host pages are split. */
void rec_mem(uint32_t region, uint64_t offset, const uint8_t *data, uint32_t len)
{
    if (!rec_active())
        return;
    uint8_t b[16 + 4096];
    for (uint32_t done = 0; done < len;) {
        uint32_t n = len - done < 4096 ? len - done : 4096;
        hvt_put32(b, region);
        hvt_put64(b + 4, offset + done);
        hvt_put32(b + 12, n);
        memcpy(b + 16, data + done, n);
        emit(HVT_MEM, b, 16 + n);
        done += n;
    }
}

void rec_vcpu(uint16_t type, uint32_t vcpu)
{
    uint8_t b[4];
    hvt_put32(b, vcpu);
    emit(type, b, 4);
}

void rec_vcpu_u32(uint16_t type, uint32_t vcpu, uint32_t a)
{
    uint8_t b[8];
    hvt_put32(b, vcpu);
    hvt_put32(b + 4, a);
    emit(type, b, 8);
}

void rec_vcpu_u32_u64(uint16_t type, uint32_t vcpu, uint32_t a, uint64_t v)
{
    uint8_t b[16];
    hvt_put32(b, vcpu);
    hvt_put32(b + 4, a);
    hvt_put64(b + 8, v);
    emit(type, b, 16);
}

void rec_vcpu_u32_u32(uint16_t type, uint32_t vcpu, uint32_t a, uint32_t v)
{
    uint8_t b[12];
    hvt_put32(b, vcpu);
    hvt_put32(b + 4, a);
    hvt_put32(b + 8, v);
    emit(type, b, 12);
}

void rec_vcpu_u64(uint16_t type, uint32_t vcpu, uint64_t a)
{
    uint8_t b[12];
    hvt_put32(b, vcpu);
    hvt_put64(b + 4, a);
    emit(type, b, 12);
}

void rec_vcpu_bytes16(uint16_t type, uint32_t vcpu, uint32_t a, const uint8_t v[16])
{
    uint8_t b[24];
    hvt_put32(b, vcpu);
    hvt_put32(b + 4, a);
    memcpy(b + 8, v, 16);
    emit(type, b, 24);
}

void rec_u32(uint16_t type, uint32_t a)
{
    uint8_t b[4];
    hvt_put32(b, a);
    emit(type, b, 4);
}

void rec_u64(uint16_t type, uint64_t a)
{
    uint8_t b[8];
    hvt_put64(b, a);
    emit(type, b, 8);
}

void rec_exit(uint32_t vcpu, uint32_t reason, uint64_t syndrome, uint64_t va, uint64_t ipa,
              uint64_t pc, uint64_t icount, uint64_t digest)
{
    uint8_t b[56];
    hvt_put32(b, vcpu);
    hvt_put32(b + 4, reason);
    hvt_put64(b + 8, syndrome);
    hvt_put64(b + 16, va);
    hvt_put64(b + 24, ipa);
    hvt_put64(b + 32, pc);
    hvt_put64(b + 40, icount);
    hvt_put64(b + 48, digest);
    emit(HVT_EXIT, b, 56);
}

void rec_vcpu_blob(uint16_t type, uint32_t vcpu, const void *data, uint32_t len)
{
    uint8_t b[8 + HVT_FPSTATE_MAX];
    HVM_ASSERT(len <= HVT_FPSTATE_MAX); /* only after a successful 4096-byte write */
    hvt_put32(b, vcpu);
    hvt_put32(b + 4, len);
    memcpy(b + 8, data, len);
    emit(type, b, 8 + len);
}

void rec_exit_x86(const struct rec_x86_exit *e)
{
    uint8_t b[88];
    hvt_put32(b, e->vcpu);
    hvt_put32(b + 4, e->reason);
    hvt_put64(b + 8, e->qualification);
    hvt_put64(b + 16, e->gla);
    hvt_put64(b + 24, e->gpa);
    hvt_put64(b + 32, e->rip);
    hvt_put64(b + 40, e->icount);
    hvt_put64(b + 48, e->digest);
    hvt_put64(b + 56, e->deadline);
    hvt_put32(b + 64, e->instr_len);
    hvt_put32(b + 68, e->instr_info);
    hvt_put32(b + 72, e->intr_info);
    hvt_put32(b + 76, e->intr_error);
    hvt_put32(b + 80, e->idt_info);
    hvt_put32(b + 84, e->idt_error);
    emit(HVT_EXIT_X86, b, 88);
}

void rec_gic_create(uint32_t set, uint32_t msi_base, uint32_t msi_count, uint64_t dist,
                    uint64_t redist, uint64_t msi)
{
    uint8_t b[36];
    hvt_put32(b, set);
    hvt_put32(b + 4, msi_base);
    hvt_put32(b + 8, msi_count);
    hvt_put64(b + 12, dist);
    hvt_put64(b + 20, redist);
    hvt_put64(b + 28, msi);
    emit(HVT_GIC_CREATE, b, 36);
}

void rec_gic_input(uint32_t kind, uint32_t arg, uint64_t value, uint32_t flags)
{
    uint8_t b[20];
    hvt_put32(b, kind);
    hvt_put32(b + 4, arg);
    hvt_put64(b + 8, value);
    hvt_put32(b + 16, flags);
    emit(HVT_GIC_INPUT, b, 20);
}

void rec_gic_set_reg(uint32_t vcpu, uint32_t file, uint32_t reg, uint64_t value)
{
    uint8_t b[20];
    hvt_put32(b, vcpu);
    hvt_put32(b + 4, file);
    hvt_put32(b + 8, reg);
    hvt_put64(b + 12, value);
    emit(HVT_GIC_SET_REG, b, 20);
}

void rec_gic_state(const void *data, uint32_t len)
{
    if (!rec_active())
        return;
    if (len > HVT_GIC_STATE_MAX) { /* the model's blob grew past what the format carries */
        rec_abandon("a GIC state blob larger than a GIC_SET_STATE record can carry");
        return;
    }
    uint8_t *b = malloc(4u + len);
    if (!b) {
        rec_abandon("out of memory for a GIC_SET_STATE record");
        return;
    }
    hvt_put32(b, len);
    memcpy(b + 4, data, len);
    emit(HVT_GIC_SET_STATE, b, 4u + len);
    free(b);
}
