/* compiler.h: compiler helpers, always-on assertions and poisoned libc calls. */
#ifndef SLUICE_CORE_COMPILER_H
#define SLUICE_CORE_COMPILER_H

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>  /* before the poison below: its prototypes name them */

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#define container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

/* Assertions stay on in production builds: a broken invariant in a proxy
 * means memory corruption or a security hole; stop loudly instead. */
void bug_report(const char *file, int line, const char *func, const char *cond)
	__attribute__((noreturn, cold));

#define BUG_ON(cond) do { \
	if (unlikely(cond)) bug_report(__FILE__, __LINE__, __func__, #cond); \
} while (0)
#define ASSERT(cond) BUG_ON(!(cond))

/* Structs that cross a room or process boundary start with a magic number. */
#define CHECK_OBJ(ptr, m) ASSERT((ptr) != NULL && (ptr)->magic == (m))

/* Unsafe string calls are refused at compile time. */
#ifndef SLUICE_ALLOW_UNSAFE_LIBC
#pragma GCC poison strcpy strcat sprintf vsprintf gets
#endif

#endif
