/* file.h: opening the files ardiff reads, checked before the first byte is read.
 *
 * Every reader goes through ad_file_open: model.ini (before iniparser sees the path), the
 * vocabulary, model.safetensors and the program's input file. The file is opened with
 * O_NONBLOCK, so a FIFO does not wait for a writer in open(); then fstat decides: a regular file
 * of at most `max` bytes passes; a directory, FIFO, socket or device is refused (unless the
 * caller allows streams, see AD_FILE_STREAM_OK), and so is a larger file. Symbolic links are
 * followed: what counts is the file they name. Failures are ARDIFF_E_IO (cannot open, not a
 * regular file, read error) or ARDIFF_E_FORMAT (too large), with one line naming the file and
 * what is wrong, e.g. "m/vocab.txt: vocabulary is a FIFO, not a regular file".
 */
#ifndef ARDIFF_CORE_FILE_H
#define ARDIFF_CORE_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ardiff.h"

/* Size limits of the files ardiff reads. */
#define AD_FILE_MAX_INI ((uint64_t)1 << 20)        /* model.ini: 1 MiB */
#define AD_FILE_MAX_VOCAB ((uint64_t)64 << 20)     /* vocabulary: 64 MiB */
#define AD_FILE_MAX_WEIGHTS ((uint64_t)64 << 30)   /* model.safetensors: 64 GiB */
#define AD_FILE_MAX_INPUT ((uint64_t)1 << 30)      /* generate's input (file or stream): 1 GiB */

/* flags of ad_file_open */
#define AD_FILE_STREAM_OK 1 /* a FIFO or socket is also accepted (opened again, blocking, so a
                             * FIFO waits for its writer as usual); read it with ad_file_read_fd,
                             * which enforces `max` while reading */

/* Opens path for reading after the checks above. what names the file's role in messages
 * ("model.ini", "vocabulary", ...). On success *fd is a blocking descriptor the caller closes
 * and *size the file's size (0 for a stream). */
ardiff_status ad_file_open(const char *path, const char *what, uint64_t max, int flags, int *fd,
                           uint64_t *size);

/* ad_file_open, then close: for a reader that opens the path itself (iniparser). */
ardiff_status ad_file_check(const char *path, const char *what, uint64_t max);

/* Reads fd to its end into a NUL-terminated buffer (free() it): at most max bytes, else
 * ARDIFF_E_FORMAT; a read error is ARDIFF_E_IO, never an early end. With text set, a NUL byte
 * stops the read with ARDIFF_E_FORMAT naming its line. name is the file in messages. */
ardiff_status ad_file_read_fd(int fd, const char *name, uint64_t max, int text, char **data,
                              size_t *size);

/* ad_file_open (regular files only) + ad_file_read_fd + close. */
ardiff_status ad_file_read(const char *path, const char *what, uint64_t max, char **data,
                           size_t *size);

/* "a directory", "a FIFO", "a symbolic link", "a character device", ...: for messages. */
const char *ad_file_kind(mode_t mode);

#endif
