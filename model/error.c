/*
 * error.c — the one table of hv_return_t names, used by tests and tools, and
 * the internal assertion handler.
 */
#include <stdio.h>
#include <stdlib.h>

#include "hvm.h"
#include "hvmodel.h"

struct err_name {
    hv_return_t code;
    const char *name;
};

static const struct err_name err_names[] = {
    {HV_SUCCESS, "HV_SUCCESS"},
    {HV_ERROR, "HV_ERROR"},
    {HV_BUSY, "HV_BUSY"},
    {HV_BAD_ARGUMENT, "HV_BAD_ARGUMENT"},
#ifdef HV_ILLEGAL_GUEST_STATE
    {HV_ILLEGAL_GUEST_STATE, "HV_ILLEGAL_GUEST_STATE"},
#endif
    {HV_NO_RESOURCES, "HV_NO_RESOURCES"},
    {HV_NO_DEVICE, "HV_NO_DEVICE"},
    {HV_DENIED, "HV_DENIED"},
#ifdef HVMODEL_FLAVOR_ARM64
    {HV_EXISTS, "HV_EXISTS"},
#else
    {HV_FAULT, "HV_FAULT"},
#endif
    {HV_UNSUPPORTED, "HV_UNSUPPORTED"},
};

const char *hvm_error_name(hv_return_t ret)
{
    for (size_t i = 0; i < sizeof(err_names) / sizeof(err_names[0]); i++)
        if (err_names[i].code == ret)
            return err_names[i].name;
    return "unknown hv_return_t";
}

HVM_EXPORT const char *hvm_strerror(hv_return_t ret)
{
    return hvm_error_name(ret);
}

static char version[64];
static pthread_once_t version_once = PTHREAD_ONCE_INIT;

static void version_fill(void)
{
    unsigned major, minor;
    uc_version(&major, &minor);
    snprintf(version, sizeof(version), "%s (unicorn %u.%u)", HVMODEL_VERSION, major, minor);
}

HVM_EXPORT const char *hvm_version(void)
{
    pthread_once(&version_once, version_fill);
    return version;
}

void hvm_assert_fail(const char *cond, const char *file, int line, const char *func)
{
    fprintf(stderr, "hvmodel: internal invariant violated: %s (%s:%d, %s)\n", cond, file, line,
            func);
    abort();
}
