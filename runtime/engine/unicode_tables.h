/* unicode_tables.h: the generated Unicode tables (unicode_tables.c, written by
 * tools/gen_unicode_tables.py). Query them through utf8.h, not directly. */
#ifndef ARDIFF_ENGINE_UNICODE_TABLES_H
#define ARDIFF_ENGINE_UNICODE_TABLES_H

#include <stdint.h>

typedef struct ad_uc_range { uint32_t lo, hi; } ad_uc_range;  /* inclusive */
typedef struct ad_uc_pair { uint32_t key, value; } ad_uc_pair;

extern const char ad_uc_unicode_version[];
extern const ad_uc_range ad_uc_mn[], ad_uc_control[], ad_uc_punct[], ad_uc_space[];
extern const int ad_uc_mn_n, ad_uc_control_n, ad_uc_punct_n, ad_uc_space_n;
extern const ad_uc_range ad_uc_rx_letter[], ad_uc_rx_number[], ad_uc_rx_space[];
extern const int ad_uc_rx_letter_n, ad_uc_rx_number_n, ad_uc_rx_space_n;
extern const ad_uc_pair ad_uc_lower[], ad_uc_nfd[];
extern const int ad_uc_lower_n, ad_uc_nfd_n;
extern const uint32_t ad_uc_nfd_pool[];

#endif
