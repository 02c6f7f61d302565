/* input.c: reading generate's input and splitting it into lines (see input.h). */
#include "input.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "core/file.h"

int input_split_lines(gen_input *in, size_t size, const char *name)
{
    size_t count = 0;
    for (size_t i = 0; i < size; i++) count += in->buf[i] == '\n';
    if (size && in->buf[size - 1] != '\n') count++;
    if (count > MAX_INPUT_LINES) {
        fprintf(stderr, "ardiff generate: %s: %zu lines, more than the %d one run takes\n", name,
                count, MAX_INPUT_LINES);
        return -1;
    }
    in->lines = malloc(sizeof *in->lines * (count ? count : 1));
    if (!in->lines) {
        fprintf(stderr, "ardiff generate: out of memory for %zu input lines\n", count);
        return -1;
    }
    for (char *p = in->buf, *end = in->buf + size; p < end;) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *e = nl ? nl : end;
        if (e > p && e[-1] == '\r') e--;
        *e = '\0';
        in->lines[in->n++] = p;
        p = nl ? nl + 1 : end;
    }
    return 0;
}

int input_read_all(const char *path, const char *cmd, char **buf, size_t *size)
{
    int use_stdin = !path || !strcmp(path, "-");
    int fd = STDIN_FILENO;
    uint64_t fsize;
    if (!use_stdin && ad_file_open(path, "input", AD_FILE_MAX_INPUT, AD_FILE_STREAM_OK, &fd,
                                   &fsize) != ARDIFF_OK) {
        cli_error(cmd);
        return -1;
    }
    ardiff_status s = ad_file_read_fd(fd, use_stdin ? "standard input" : path,
                                      AD_FILE_MAX_INPUT, 1, buf, size);
    if (!use_stdin) close(fd);
    if (s != ARDIFF_OK) {
        cli_error(cmd);
        return -1;
    }
    return 0;
}

int input_read(const char *path, gen_input *in)
{
    memset(in, 0, sizeof *in);
    size_t n = 0;
    if (input_read_all(path, "generate", &in->buf, &n) != 0)
        return -1;
    return input_split_lines(in, n, (!path || !strcmp(path, "-")) ? "standard input" : path);
}

void input_free(gen_input *in)
{
    free(in->lines);
    free(in->buf);
    in->lines = NULL;
    in->buf = NULL;
    in->n = 0;
}
