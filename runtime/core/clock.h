/* clock.h: a monotonic wall clock in milliseconds (timings in logs, stats and benchmarks). */
#ifndef ARDIFF_CORE_CLOCK_H
#define ARDIFF_CORE_CLOCK_H

double ad_now_ms(void);

#endif
