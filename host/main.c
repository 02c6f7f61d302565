/* main.c: the ardiff program: subcommand dispatch, help and error printing. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: ardiff <command> [options]\n"
            "\n"
            "AR-Diffusion text generation on any OpenCL device.\n"
            "\n"
            "commands:\n"
            "  devices [--verbose|--tune] [--device SPEC]\n"
            "                                        list OpenCL devices (--verbose: start-up times,\n"
            "                                        kernel variants; --tune: re-tune them)\n"
            "  generate MODEL_DIR [options]          generate text (see 'ardiff generate --help')\n"
            "  info MODEL_DIR                        print a model's sizes and settings\n"
            "  selftest [--device SPEC]              build the kernels and check them against C\n"
            "  tokenize MODEL_DIR [options]          the model's tokenizer alone: text -> ids or\n"
            "                                        tokens, ids -> text (see --help)\n"
            "  version                               print the version\n"
            "\n"
            "device selection (--device, repeatable; or ARDIFF_DEVICE): an index, a type (gpu, cpu,\n"
            "accelerator, all) or a name substring; comma-separated for several devices.\n"
            "\n"
            "environment: ARDIFF_DEVICE, ARDIFF_LOG=debug|info|warn|error, ARDIFF_CL_DIR (load\n"
            "kernels from a folder), ARDIFF_CACHE=off, ARDIFF_CACHE_DIR (program binary cache),\n"
            "ARDIFF_KERNELS, ARDIFF_CLAMP (kernel variants), ARDIFF_TUNE=off (no tuning at first\n"
            "use; docs/kernels.md), ARDIFF_MPI=0 (under mpirun, every process runs alone; docs/mpi.md).\n");
}

void cli_error(const char *what)
{
    const char *msg = ardiff_last_error();
    fprintf(stderr, "ardiff: %s: %s\n", what, msg && *msg ? msg : "unknown error");
}

int cli_device_arg(int argc, char **argv, int *i, char *spec, size_t cap)
{
    const char *a = argv[*i];
    const char *v = NULL;
    if (!strcmp(a, "--device") || !strcmp(a, "-d")) {
        if (*i + 1 >= argc) {
            fprintf(stderr, "ardiff: %s needs a value (index, type or name)\n", a);
            return -1;
        }
        v = argv[++*i];
    } else if (!strncmp(a, "--device=", 9)) {
        v = a + 9;
    } else {
        return 0;
    }
    size_t used = strlen(spec);
    if (used + strlen(v) + 2 > cap) {
        fprintf(stderr, "ardiff: --device list too long\n");
        return -1;
    }
    if (used) strcat(spec, ",");
    strcat(spec, v);
    return 1;
}

static int dispatch(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
        printf("ardiff %s\n", ardiff_version());
        return 0;
    }
    if (!strcmp(cmd, "devices")) return cmd_devices(argc - 1, argv + 1);
    if (!strcmp(cmd, "selftest")) return cmd_selftest(argc - 1, argv + 1);
    if (!strcmp(cmd, "generate")) return cmd_generate(argc - 1, argv + 1);
    if (!strcmp(cmd, "info")) return cmd_info(argc - 1, argv + 1);
    if (!strcmp(cmd, "tokenize")) return cmd_tokenize(argc - 1, argv + 1);
    fprintf(stderr, "ardiff: unknown command '%s' (try 'ardiff --help')\n", cmd);
    return 2;
}

/* Whatever the command printed must have reached standard output: a full disk or a closed
 * descriptor is a failure (one line), never a silent exit 0. */
int main(int argc, char **argv)
{
    /* A closed 0, 1 or 2 would be taken by the next file opened, and the output written into
     * it: hold each with /dev/null, standard output read-only so that writes to it fail. */
    for (int fd = 0; fd < 3; fd++) {
        if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF) continue;
        if (open("/dev/null", fd == 2 ? O_WRONLY : O_RDONLY) != fd) return 1;
    }
    int rc = dispatch(argc, argv);
    int err = fflush(stdout) != 0 ? errno : ferror(stdout) ? EIO : 0;
    if (err && rc == 0) { /* a failing command has printed its line already */
        fprintf(stderr, "ardiff: cannot write standard output: %s\n", strerror(err));
        rc = 1;
    }
    return rc;
}
