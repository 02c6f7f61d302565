/* error.h: failure messages and logging inside libardiff.
 *
 * Library code reports a failure with `return ad_fail(ARDIFF_E_FORMAT, "%s: bad header", path);`
 * which stores one line for ardiff_last_error() and returns the status. When a callee already
 * failed, pass its status up unchanged (the message stays) or add context with ad_fail_prefix.
 */
#ifndef ARDIFF_CORE_ERROR_H
#define ARDIFF_CORE_ERROR_H

#include "ardiff.h"

#if defined(__GNUC__)
#define AD_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define AD_PRINTF(a, b)
#endif

/* Stores the message (printf-style) for this thread and returns s. Control bytes in it (but
 * tab) become '?': a name or value quoted from a hostile file cannot break the one line or send
 * the terminal an escape. */
ardiff_status ad_fail(ardiff_status s, const char *fmt, ...) AD_PRINTF(2, 3);

/* The one message that spans lines: the formatted line as ad_fail makes it, then '\n' and log
 * as it is (a kernel build log). */
ardiff_status ad_fail_log(ardiff_status s, const char *log, const char *fmt, ...) AD_PRINTF(3, 4);

/* Prefixes the current message with "<prefix>: " (made printable as above) and returns s. */
ardiff_status ad_fail_prefix(ardiff_status s, const char *fmt, ...) AD_PRINTF(2, 3);

/* Clears the message of this thread. */
void ad_clear_error(void);

void ad_log(ardiff_log_level level, const char *fmt, ...) AD_PRINTF(2, 3);
int ad_log_enabled(ardiff_log_level level);

#define AD_DEBUG(...) ad_log(ARDIFF_LOG_DEBUG, __VA_ARGS__)
#define AD_INFO(...) ad_log(ARDIFF_LOG_INFO, __VA_ARGS__)
#define AD_WARN(...) ad_log(ARDIFF_LOG_WARN, __VA_ARGS__)

/* Propagates a failing status: `AD_TRY(read_header(f));` */
#define AD_TRY(expr)                        \
    do {                                    \
        ardiff_status ad_try_s_ = (expr);   \
        if (ad_try_s_ != ARDIFF_OK)         \
            return ad_try_s_;               \
    } while (0)

#endif
