/* error.c: thread-local failure messages and the log sink. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define AD_MSG_MAX (256 * 1024) /* build logs can be long; kept whole up to this size */
#define AD_CUT_NOTE "\n[... cut here: the message had %zu bytes]"

static _Thread_local char g_msg[AD_MSG_MAX];

const char *ardiff_status_name(ardiff_status s)
{
    switch (s) {
    case ARDIFF_OK: return "ARDIFF_OK";
    case ARDIFF_E_INVALID_ARG: return "ARDIFF_E_INVALID_ARG";
    case ARDIFF_E_NO_PLATFORM: return "ARDIFF_E_NO_PLATFORM";
    case ARDIFF_E_NO_DEVICE: return "ARDIFF_E_NO_DEVICE";
    case ARDIFF_E_OPENCL: return "ARDIFF_E_OPENCL";
    case ARDIFF_E_CLBLAST: return "ARDIFF_E_CLBLAST";
    case ARDIFF_E_BUILD: return "ARDIFF_E_BUILD";
    case ARDIFF_E_IO: return "ARDIFF_E_IO";
    case ARDIFF_E_FORMAT: return "ARDIFF_E_FORMAT";
    case ARDIFF_E_OOM: return "ARDIFF_E_OOM";
    case ARDIFF_E_UNSUPPORTED: return "ARDIFF_E_UNSUPPORTED";
    case ARDIFF_E_INTERNAL: return "ARDIFF_E_INTERNAL";
    }
    return "ARDIFF_E_UNKNOWN";
}

const char *ardiff_last_error(void) { return g_msg; }

void ad_clear_error(void) { g_msg[0] = '\0'; }

/* A message longer than the buffer ends with a note saying so, never silently. */
static void mark_cut(size_t full_len)
{
    char note[96];
    int n = snprintf(note, sizeof note, AD_CUT_NOTE, full_len);
    if (n > 0 && (size_t)n < sizeof g_msg) memcpy(g_msg + sizeof g_msg - 1 - n, note, (size_t)n + 1);
}

/* Messages quote file contents (names, values, tokens): a control byte there would break the
 * one line or reach the terminal as an escape, so every one but tab becomes '?'. */
static void make_printable(char *p)
{
    for (; *p; p++)
        if (((unsigned char)*p < 0x20 && *p != '\t') || *p == 0x7f) *p = '?';
}

ardiff_status ad_fail(ardiff_status s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(g_msg, sizeof g_msg, fmt, ap);
    va_end(ap);
    make_printable(g_msg);
    if (n > 0 && (size_t)n >= sizeof g_msg) mark_cut((size_t)n);
    return s;
}

ardiff_status ad_fail_log(ardiff_status s, const char *log, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(g_msg, sizeof g_msg, fmt, ap);
    va_end(ap);
    make_printable(g_msg);
    size_t used = n < 0 ? 0 : (size_t)n < sizeof g_msg ? (size_t)n : sizeof g_msg - 1;
    int m = snprintf(g_msg + used, sizeof g_msg - used, "\n%s", log);
    if (m > 0 && used + (size_t)m >= sizeof g_msg) mark_cut(used + (size_t)m);
    return s;
}

ardiff_status ad_fail_prefix(ardiff_status s, const char *fmt, ...)
{
    char prefix[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    make_printable(prefix);
    size_t plen = strlen(prefix), mlen = strlen(g_msg), full = plen + 2 + mlen;
    if (plen + 2 + mlen + 1 > sizeof g_msg)
        mlen = sizeof g_msg - plen - 3;
    memmove(g_msg + plen + 2, g_msg, mlen);
    memcpy(g_msg, prefix, plen);
    g_msg[plen] = ':';
    g_msg[plen + 1] = ' ';
    g_msg[plen + 2 + mlen] = '\0';
    if (full + 1 > sizeof g_msg) mark_cut(full);
    return s;
}

/* ---- logging ---- */

static ardiff_log_fn g_log_fn;
static void *g_log_user;
static int g_log_level = -1; /* -1: not yet read from ARDIFF_LOG */

static int log_level(void)
{
    if (g_log_level < 0) {
        const char *e = getenv("ARDIFF_LOG");
        g_log_level = ARDIFF_LOG_WARN;
        if (e) {
            if (!strcasecmp(e, "debug")) g_log_level = ARDIFF_LOG_DEBUG;
            else if (!strcasecmp(e, "info")) g_log_level = ARDIFF_LOG_INFO;
            else if (!strcasecmp(e, "warn")) g_log_level = ARDIFF_LOG_WARN;
            else if (!strcasecmp(e, "error")) g_log_level = ARDIFF_LOG_ERROR;
        }
    }
    return g_log_level;
}

void ardiff_set_log(ardiff_log_fn fn, void *user)
{
    g_log_fn = fn;
    g_log_user = user;
}

void ardiff_set_log_level(ardiff_log_level level) { g_log_level = (int)level; }

int ad_log_enabled(ardiff_log_level level) { return (int)level >= log_level(); }

void ad_log(ardiff_log_level level, const char *fmt, ...)
{
    if (!ad_log_enabled(level))
        return;
    char buf[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (g_log_fn) {
        g_log_fn(level, buf, g_log_user);
        return;
    }
    static const char *names[] = {"debug", "info", "warning", "error"};
    fprintf(stderr, "ardiff: %s: %s\n", names[level], buf);
}
