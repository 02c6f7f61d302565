/* test_devselect.c: the one precedence of device choice (runtime/ocl/select.c, docs/devices.md):
 * --device > ARDIFF_DEVICE > the model's INI > the default, the first given winning whole.
 * The precedence itself needs no device (ardiff_devices_origin); one resolution on the machine's
 * devices checks that a flag overrides a bad ARDIFF_DEVICE and that each origin is named in
 * errors. */
#include <stdlib.h>
#include <string.h>

#include "ardiff.h"
#include "check.h"

static void origin(const char *flag, const char *env, const char *model,
                   ardiff_device_origin want, const char *want_spec)
{
    if (env) setenv("ARDIFF_DEVICE", env, 1);
    else unsetenv("ARDIFF_DEVICE");
    ardiff_device_request req = {flag, model, 0};
    const char *spec = "unset";
    ardiff_device_origin got = ardiff_devices_origin(&req, &spec);
    CHECK(got == want && ((!spec && !want_spec) || (spec && want_spec && !strcmp(spec, want_spec))),
          "flag '%s', ARDIFF_DEVICE '%s', model '%s': origin %d spec '%s', want %d '%s'",
          flag ? flag : "(null)", env ? env : "(unset)", model ? model : "(null)", (int)got,
          spec ? spec : "(null)", (int)want, want_spec ? want_spec : "(null)");
}

static void precedence(void)
{
    origin("1", "2", "cpu", ARDIFF_DEVICE_FROM_FLAG, "1");
    origin("", "2", "cpu", ARDIFF_DEVICE_FROM_ENV, "2");
    origin(NULL, "2", NULL, ARDIFF_DEVICE_FROM_ENV, "2");
    origin(NULL, "", "cpu", ARDIFF_DEVICE_FROM_MODEL, "cpu");
    origin(NULL, NULL, "cpu", ARDIFF_DEVICE_FROM_MODEL, "cpu");
    origin("", NULL, "", ARDIFF_DEVICE_FROM_DEFAULT, NULL);
    origin(NULL, NULL, NULL, ARDIFF_DEVICE_FROM_DEFAULT, NULL);
}

/* with the machine's devices (PoCL in CI): a failing test when there are none */
static void resolve(void)
{
    int idx[4], n = 0;
    setenv("ARDIFF_DEVICE", "nosuchdevice", 1);
    ardiff_device_request flag = {"0", "nosuchdevice", 0}, env = {NULL, "0", 0};
    CHECK(ardiff_devices_resolve(&flag, idx, 4, &n) == ARDIFF_OK && n == 1 && idx[0] == 0,
          "--device 0 over a bad ARDIFF_DEVICE and INI: %s", ardiff_last_error());
    CHECK(ardiff_devices_resolve(&env, idx, 4, &n) == ARDIFF_E_NO_DEVICE && n == 0 &&
              strstr(ardiff_last_error(), "from ARDIFF_DEVICE 'nosuchdevice'"),
          "a bad ARDIFF_DEVICE wins over a good INI and is named: %s", ardiff_last_error());
    unsetenv("ARDIFF_DEVICE");
    ardiff_device_request model = {NULL, "nosuchdevice", 0};
    CHECK(ardiff_devices_resolve(&model, idx, 4, &n) == ARDIFF_E_NO_DEVICE &&
              strstr(ardiff_last_error(), "model.ini [generate] device"),
          "a bad INI device is named: %s", ardiff_last_error());
    ardiff_device_desc *all = NULL;
    int nall = 0;
    ardiff_device_request listing = {NULL, NULL, 1};
    CHECK(ardiff_devices_list(&all, &nall) == ARDIFF_OK &&
              ardiff_devices_resolve(&listing, idx, 4, &n) == ARDIFF_OK &&
              n == (nall < 4 ? nall : 4),
          "nothing given, all_by_default: every device (%d of %d)", n, nall);
    free(all);
}

int main(void)
{
    precedence();
    resolve();
    return check_summary("test_devselect");
}
