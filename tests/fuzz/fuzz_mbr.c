/* fuzz_mbr.c: any candidate strings through MBR selection (runtime/engine/mbr.c).
 *
 * Input: candidates separated by NUL bytes (at most 16; MBR receives C strings). Properties:
 * invalid UTF-8 in any candidate fails with one line; otherwise the choice is a candidate, the
 * scores are finite and the choice has the highest one (ties to the highest index); with two
 * candidates each score is the pairwise BLEU ad_mbr_bleu gives. The mteval tokenisation of
 * each candidate fills a buffer exactly or reports it too small.
 */
#include <math.h>
#include <string.h>

#include "engine/mbr.h"
#include "engine/utf8.h"
#include "fuzz_util.h"

#define MAX_K 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1);
    FUZZ_CHECK(buf, "out of memory");
    memcpy(buf, data, size);
    buf[size] = '\0';
    const char *cands[MAX_K];
    int k = 0, valid = 1;
    for (char *p = buf; k < MAX_K;) {
        cands[k++] = p;
        size_t bad = 0;
        valid &= ad_utf8_decode(p, strlen(p), NULL, &bad) >= 0;
        p += strlen(p);
        if (p == buf + size)
            break;
        p++;
    }
    double scores[MAX_K];
    int choice = -1;
    ardiff_status s = ad_mbr_select(cands, k, scores, &choice);
    if (!valid) { /* one candidate is chosen without being read */
        FUZZ_CHECK(k == 1 ? s == ARDIFF_OK : s == ARDIFF_E_FORMAT, "invalid UTF-8 gave %s",
                   ardiff_status_name(s));
        if (s != ARDIFF_OK)
            fuzz_check_message(s);
        goto done;
    }
    FUZZ_CHECK(s == ARDIFF_OK, "select: %s", ardiff_last_error());
    FUZZ_CHECK(choice >= 0 && choice < k, "choice %d of %d", choice, k);
    for (int j = 0; j < k; j++) {
        FUZZ_CHECK(isfinite(scores[j]), "score %d is %g", j, scores[j]);
        FUZZ_CHECK(scores[j] < scores[choice] || (scores[j] == scores[choice] && j <= choice),
                   "candidate %d scores %.17g, the choice %d %.17g", j, scores[j], choice,
                   scores[choice]);
    }
    if (k == 2) {
        double b01 = 0, b10 = 0;
        FUZZ_CHECK(ad_mbr_bleu(cands[1], cands[0], &b10) == ARDIFF_OK &&
                   ad_mbr_bleu(cands[0], cands[1], &b01) == ARDIFF_OK, "bleu failed");
        FUZZ_CHECK(b10 == scores[0] && b01 == scores[1], "scores %.17g %.17g, bleu %.17g %.17g",
                   scores[0], scores[1], b10, b01);
    }
    for (int j = 0; j < k && j < 4; j++) {
        char out[512];
        int nt = 0;
        s = ad_mbr_tokenize(cands[j], out, sizeof out, &nt);
        FUZZ_CHECK(s == ARDIFF_OK || s == ARDIFF_E_INVALID_ARG, "tokenize %s", ardiff_status_name(s));
        if (s == ARDIFF_OK) {
            FUZZ_CHECK(memchr(out, 0, sizeof out) != NULL, "unterminated tokens");
            FUZZ_CHECK(nt >= 1, "%d tokens", nt);
        } else {
            fuzz_check_message(s);
        }
    }
done:
    free(buf);
    return 0;
}
