/* clock.h: per-thread monotonic time, refreshed once per poll loop turn. */
#ifndef SLUICE_CORE_CLOCK_H
#define SLUICE_CORE_CLOCK_H

#include <stdint.h>
#include <time.h>

extern __thread uint64_t now_ms;      /* monotonic milliseconds */
extern __thread uint64_t now_real_us; /* wall clock, microseconds (log timestamps) */
extern uint64_t start_mono_ms;        /* monotonic ms when the process started (uptimes) */

static inline uint64_t clock_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Once per loop turn: both clocks through the vDSO, instead of a system
 * call for every log timestamp. */
static inline void clock_update(void)
{
	struct timespec ts;

	now_ms = clock_mono_ms();
	clock_gettime(CLOCK_REALTIME, &ts);
	now_real_us = (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* Deadline helpers: 0 means "no deadline". */
static inline uint64_t tick_add(uint64_t now, unsigned ms) { return ms ? now + ms : 0; }
static inline uint64_t tick_first(uint64_t a, uint64_t b)
{
	if (!a) return b;
	if (!b) return a;
	return a < b ? a : b;
}
static inline int tick_expired(uint64_t t, uint64_t now) { return t && t <= now; }

#endif
