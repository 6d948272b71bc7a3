/* buf-t.h: a linear byte buffer whose storage comes from the buffer pool
 * only while it holds data. */
#ifndef SLUICE_MEM_BUF_T_H
#define SLUICE_MEM_BUF_T_H

#include <stdint.h>

struct buffer {
	char *area;          /* NULL when no storage is attached */
	uint32_t size;       /* storage size */
	uint32_t head;       /* offset of the first byte of data */
	uint32_t data;       /* bytes of data */
};

#endif
