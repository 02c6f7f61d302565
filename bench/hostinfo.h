/* hostinfo.h: what the benchmarks print about the machine they ran on (shared by ardiff_bench and
 * ardiff_bench_generate). */
#ifndef ARDIFF_BENCH_HOSTINFO_H
#define ARDIFF_BENCH_HOSTINFO_H

/* Prints "# load average WHEN: <the contents of /proc/loadavg>" ("?" where it cannot be read):
 * other processes skew timings, so every run records the load it saw. */
void bench_print_loadavg(const char *when);

#endif
