/* buf.c: the buffer pool. */
#include "mem/buf.h"
#include "core/global-t.h"

struct pool_head *pool_buffer;

void buf_pool_init(void)
{
	pool_buffer = pool_create("buffer", global.bufsize);
}
