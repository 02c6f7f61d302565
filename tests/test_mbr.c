/* test_mbr.c: runtime/engine/mbr.c against the Python reference (tests/fixtures/mbr/cases.json,
 * written by tools/make_mbr_goldens.py): tokens, BLEU values and MBR scores to 1e-12 relative,
 * the exact choice, the choice under [generate] repeats = avoid, and the repeated-word check. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/error.h"
#include "core/file.h"
#include "engine/mbr.h"

static int close_rel(double a, double b) { return fabs(a - b) <= 1e-12 * fmax(1.0, fabs(b)); }

static cJSON *load_cases(void)
{
    char *buf = NULL;
    size_t n = 0;
    ad_file_read(check_fixture("mbr/cases.json"), "fixture", AD_FILE_MAX_VOCAB, &buf, &n);
    cJSON *root = buf ? cJSON_Parse(buf) : NULL;
    free(buf);
    return root;
}

static void test_tokenize(const cJSON *cases)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, cases) {
        const char *text = cJSON_GetObjectItem(c, "text")->valuestring;
        const cJSON *toks = cJSON_GetObjectItem(c, "tokens");
        char want[4096] = "", got[4096];
        const cJSON *t;
        cJSON_ArrayForEach(t, toks) {
            if (t != toks->child)
                strcat(want, " ");
            strcat(want, t->valuestring);
        }
        int n = 0;
        ardiff_status st = ad_mbr_tokenize(text, got, sizeof got, &n);
        CHECK(st == ARDIFF_OK && n == cJSON_GetArraySize(toks) && strcmp(got, want) == 0,
              "tokenize \"%s\": got %d \"%s\", want %d \"%s\"", text, n, got,
              cJSON_GetArraySize(toks), want);
    }
}

static void test_bleu(const cJSON *cases)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, cases) {
        const char *hyp = cJSON_GetObjectItem(c, "hyp")->valuestring;
        const char *ref = cJSON_GetObjectItem(c, "ref")->valuestring;
        double want = cJSON_GetObjectItem(c, "bleu")->valuedouble, got = -1;
        CHECK(ad_mbr_bleu(hyp, ref, &got) == ARDIFF_OK && close_rel(got, want),
              "bleu(\"%s\" | \"%s\") = %.17g, want %.17g", hyp, ref, got, want);
    }
}

static void test_select(const cJSON *cases)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, cases) {
        const char *name = cJSON_GetObjectItem(c, "name")->valuestring;
        const cJSON *cands = cJSON_GetObjectItem(c, "candidates");
        const cJSON *scores = cJSON_GetObjectItem(c, "scores");
        int k = cJSON_GetArraySize(cands), choice = -1;
        const char **v = malloc(sizeof(char *) * (size_t)k);
        double *got = malloc(sizeof(double) * (size_t)k);
        for (int i = 0; i < k; i++)
            v[i] = cJSON_GetArrayItem(cands, i)->valuestring;
        ardiff_status st = ad_mbr_select(v, k, got, &choice);
        CHECK(st == ARDIFF_OK, "%s: %s", name, ardiff_last_error());
        CHECK(choice == cJSON_GetObjectItem(c, "choice")->valueint, "%s: choice %d, want %d", name,
              choice, cJSON_GetObjectItem(c, "choice")->valueint);
        for (int i = 0; i < k; i++) {
            double want = cJSON_GetArrayItem(scores, i)->valuedouble;
            CHECK(close_rel(got[i], want), "%s: score[%d] %.17g, want %.17g", name, i, got[i], want);
        }
        const int avoid = ad_mbr_avoid_repeats(v, k, got, choice);
        const int want_avoid = cJSON_GetObjectItem(c, "avoid_choice")->valueint;
        CHECK(avoid == want_avoid, "%s: repeats = avoid chose %d, want %d", name, avoid, want_avoid);
        free(v);
        free(got);
    }
}

static void test_repeats(const cJSON *cases)
{
    const cJSON *c;
    int n = 0;
    cJSON_ArrayForEach(c, cases) {
        const char *t = cJSON_GetObjectItem(c, "text")->valuestring;
        const int want = cJSON_IsTrue(cJSON_GetObjectItem(c, "repeat"));
        CHECK(ad_has_repeat(t) == want, "has_repeat('%s') = %d, want %d", t, ad_has_repeat(t), want);
        n++;
    }
    CHECK(n >= 20, "only %d repeat cases in the fixture", n);
    CHECK(ad_has_repeat("bro\xC3(ken bro\xC3(ken") == 0, "invalid UTF-8 is no repeat");
}

static void test_errors(void)
{
    const char *bad[] = {"fine", "bro\xC3(ken"};
    int choice = 7;
    double s[2];
    CHECK(ad_mbr_select(bad, 2, s, &choice) == ARDIFF_E_FORMAT, "invalid UTF-8 accepted");
    CHECK(strstr(ardiff_last_error(), "candidate 1") && strstr(ardiff_last_error(), "byte 3"),
          "message: %s", ardiff_last_error());
    CHECK(ad_mbr_select(bad, 0, s, &choice) == ARDIFF_E_INVALID_ARG, "k = 0 accepted");
    const char *one[] = {"x"};
    CHECK(ad_mbr_select(one, 1, NULL, &choice) == ARDIFF_OK && choice == 0, "k = 1, no scores");
    char small[4];
    int n = 0;
    CHECK(ad_mbr_tokenize("hello world", small, sizeof small, &n) == ARDIFF_E_INVALID_ARG,
          "small token buffer");
}

int main(void)
{
    cJSON *root = load_cases();
    CHECK(root != NULL, "cannot read %s", check_fixture("mbr/cases.json"));
    if (root) {
        test_tokenize(cJSON_GetObjectItem(root, "tokenize"));
        test_bleu(cJSON_GetObjectItem(root, "bleu"));
        test_select(cJSON_GetObjectItem(root, "mbr"));
        test_repeats(cJSON_GetObjectItem(root, "repeats"));
    }
    cJSON_Delete(root);
    test_errors();
    return check_summary("test_mbr");
}
