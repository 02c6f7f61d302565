/* select.c: which devices the user meant, resolved in one place with one precedence.
 *
 *   1. the program's flag (--device, repeatable or comma-separated), when given;
 *   2. the environment variable ARDIFF_DEVICE, when set and non-empty;
 *   3. the model's INI ([generate] device, ardiff_model_device), when the program passes it;
 *   4. the default: the first GPU, else device 0 (`ardiff devices`: every device).
 *
 * The first of these that is given wins whole (specs are not merged). A spec is a
 * comma-separated list of items: an index, a type (gpu, cpu, accelerator, all) or a
 * case-insensitive substring of the device, platform or vendor name. The choice is logged at
 * info level with its origin, and an item that matches nothing fails naming the origin and
 * listing the devices. Programs never read ARDIFF_DEVICE themselves (docs/devices.md).
 * Pure selection over ardiff_devices_list: no OpenCL call of its own.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ardiff.h"
#include "core/error.h"

static int add_unique(int *idx, int *n, int max, int v)
{
    for (int i = 0; i < *n; i++)
        if (idx[i] == v) return 1;
    if (*n >= max) return 0;
    idx[(*n)++] = v;
    return 1;
}

static int contains_ci(const char *hay, const char *needle)
{
    size_t nl = strlen(needle);
    for (; *hay; hay++)
        if (!strncasecmp(hay, needle, nl)) return 1;
    return 0;
}

/* Resolves one item of a selection; returns how many devices it added (0: no match). */
static int select_item(const char *item, const ardiff_device_desc *d, int nd, int *idx, int *n,
                       int max)
{
    int matched = 0;
    char *end = NULL;
    long v = strtol(item, &end, 10);
    if (*item && end && *end == '\0') {
        if (v >= 0 && v < nd) matched += add_unique(idx, n, max, (int)v);
        return matched;
    }
    if (!strcasecmp(item, "all")) {
        for (int i = 0; i < nd; i++) matched += add_unique(idx, n, max, i);
        return matched;
    }
    if (!strcasecmp(item, "gpu") || !strcasecmp(item, "cpu") || !strcasecmp(item, "accelerator")) {
        for (int i = 0; i < nd; i++)
            if (!strcasecmp(d[i].type, item)) matched += add_unique(idx, n, max, i);
        return matched;
    }
    for (int i = 0; i < nd; i++)
        if (contains_ci(d[i].name, item) || contains_ci(d[i].platform, item) ||
            contains_ci(d[i].vendor, item))
            matched += add_unique(idx, n, max, i);
    return matched;
}

static ardiff_status unknown_choice(const char *item, const char *spec, const char *origin,
                                    const ardiff_device_desc *d, int nd)
{
    char list[2048] = "";
    size_t off = 0;
    for (int i = 0; i < nd && off < sizeof list; i++)
        off += (size_t)snprintf(list + off, sizeof list - off, "%s%d: %s (%s, %s)", i ? "; " : "",
                                d[i].index, d[i].name, d[i].type, d[i].platform);
    return ad_fail(ARDIFF_E_NO_DEVICE,
                   "no device matches '%s' (from %s '%s'); devices are: %s", item, origin, spec,
                   list);
}

/* step 4: nothing given */
static void default_choice(const ardiff_device_desc *d, int nd, int all, int *indices,
                           int max_out, int *count)
{
    if (all) { /* every device, as listed (not logged: nothing was chosen) */
        for (int i = 0; i < nd && *count < max_out; i++) indices[(*count)++] = i;
        return;
    }
    int pick = 0;
    for (int i = 0; i < nd; i++)
        if (!strcmp(d[i].type, "gpu")) { pick = i; break; }
    indices[0] = pick;
    *count = 1;
    AD_INFO("using device %d: %s (%s, default choice)", pick, d[pick].name, d[pick].platform);
}

/* steps 1-3: the items of spec, from origin */
static ardiff_status spec_choice(const char *spec, const char *origin,
                                 const ardiff_device_desc *d, int nd, int *indices, int max_out,
                                 int *count)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", spec);
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        while (isspace((unsigned char)*tok)) tok++;
        for (size_t l = strlen(tok); l && isspace((unsigned char)tok[l - 1]); l--) tok[l - 1] = 0;
        if (!*tok) continue;
        if (!select_item(tok, d, nd, indices, count, max_out))
            return unknown_choice(tok, spec, origin, d, nd);
    }
    if (*count == 0) return unknown_choice(spec, spec, origin, d, nd);
    for (int i = 0; i < *count; i++)
        AD_INFO("using device %d: %s (%s, from %s '%s')", indices[i], d[indices[i]].name,
                d[indices[i]].platform, origin, spec);
    return ARDIFF_OK;
}

ardiff_device_origin ardiff_devices_origin(const ardiff_device_request *req, const char **spec)
{
    const char *env = getenv("ARDIFF_DEVICE");
    ardiff_device_origin o = ARDIFF_DEVICE_FROM_DEFAULT;
    const char *s = NULL;
    if (req->flag && *req->flag) o = ARDIFF_DEVICE_FROM_FLAG, s = req->flag;
    else if (env && *env) o = ARDIFF_DEVICE_FROM_ENV, s = env;
    else if (req->model && *req->model) o = ARDIFF_DEVICE_FROM_MODEL, s = req->model;
    if (spec) *spec = s;
    return o;
}

static const char *origin_name(ardiff_device_origin o)
{
    switch (o) {
    case ARDIFF_DEVICE_FROM_FLAG: return "--device";
    case ARDIFF_DEVICE_FROM_ENV: return "ARDIFF_DEVICE";
    case ARDIFF_DEVICE_FROM_MODEL: return "model.ini [generate] device";
    default: return "default choice";
    }
}

/* the chosen spec (NULL: step 4) from `origin` into indices */
static ardiff_status choose(const char *spec, const char *origin, int all_by_default,
                            int *indices, int max_out, int *count)
{
    *count = 0;
    if (max_out <= 0) return ad_fail(ARDIFF_E_INVALID_ARG, "device selection: no room for output");
    ardiff_device_desc *d = NULL;
    int nd = 0;
    AD_TRY(ardiff_devices_list(&d, &nd));
    ardiff_status st = ARDIFF_OK;
    if (spec) st = spec_choice(spec, origin, d, nd, indices, max_out, count);
    else default_choice(d, nd, all_by_default, indices, max_out, count);
    free(d);
    if (st != ARDIFF_OK) *count = 0;
    return st;
}

ardiff_status ardiff_devices_resolve(const ardiff_device_request *req, int *indices, int max_out,
                                     int *count)
{
    const char *spec = NULL;
    ardiff_device_origin o = ardiff_devices_origin(req, &spec);
    return choose(spec, origin_name(o), req->all_by_default, indices, max_out, count);
}

ardiff_status ardiff_devices_select(const char *spec, int *indices, int max_out, int *count)
{
    ardiff_device_request req = {spec, NULL, 0};
    return ardiff_devices_resolve(&req, indices, max_out, count);
}

ardiff_status ardiff_devices_select_from(const char *spec, const char *origin, int *indices,
                                         int max_out, int *count)
{
    if (!spec || !*spec) return ardiff_devices_select(NULL, indices, max_out, count);
    return choose(spec, origin ? origin : "--device", 0, indices, max_out, count);
}
