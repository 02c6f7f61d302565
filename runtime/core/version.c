/* version.c: the library version string. */
#include "ardiff.h"
#include "commit.h" /* generated at build time (cmake/commit.cmake) */

#ifndef ARDIFF_COMMIT
#define ARDIFF_COMMIT "unknown"
#endif
#define AD_STR2(x) #x
#define AD_STR(x) AD_STR2(x)

const char *ardiff_version(void)
{
    return AD_STR(ARDIFF_VERSION_MAJOR) "." AD_STR(ARDIFF_VERSION_MINOR) "." AD_STR(
        ARDIFF_VERSION_PATCH) " (commit " ARDIFF_COMMIT ")";
}
