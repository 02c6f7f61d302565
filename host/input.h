/* input.h: what `ardiff generate` reads: the whole input (-i FILE, a FIFO such as <(command), or
 * standard input), checked by core/file (a regular file or a stream, at most AD_FILE_MAX_INPUT
 * bytes, no NUL byte, a read error is an error and never an early end) and split into lines in
 * place. Each line then goes to the tokenizer as it is (ardiff_generate). The fuzz harness
 * tests/fuzz/fuzz_input.c runs the same code.
 */
#ifndef ARDIFF_HOST_INPUT_H
#define ARDIFF_HOST_INPUT_H

#include <stddef.h>

#define MAX_INPUT_LINES (1 << 24)

typedef struct gen_input {
    char *buf;    /* the input, NUL-terminated; the lines point into it */
    char **lines; /* [n], without their '\n' (or "\r\n") */
    int n;
} gen_input;

/* Reads the whole of path ("-" or NULL: standard input) into *buf (malloc'd, NUL-terminated,
 * no NUL byte inside), *size its length. On failure prints one line "ardiff CMD: ..."
 * (cli_error) and returns -1. `ardiff tokenize` reads its input with it too. */
int input_read_all(const char *path, const char *cmd, char **buf, size_t *size);

/* Reads path ("-" or NULL: standard input) into *in. On failure prints one line to standard
 * error (through cli_error or naming the limit) and returns -1; in is then safe to free. */
int input_read(const char *path, gen_input *in);

/* Splits in->buf[0..size) at '\n' (a '\r' before it goes too; a last line without '\n' counts).
 * name is the input in messages. Returns 0, or -1 after printing one line. */
int input_split_lines(gen_input *in, size_t size, const char *name);

void input_free(gen_input *in); /* accepts a zeroed or failed gen_input */

#endif
