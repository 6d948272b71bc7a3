/* global-t.h: process-wide settings from the "global" section and the
 * command line, used by every room. The section's keywords and defaults are
 * in cfg/global_cfg.c; a room's own global settings live with the room
 * (http/h1.h: h1_settings, shm/shm.h: shm_settings, ctl/ctl.h:
 * ctl_settings). */
#ifndef SLUICE_CORE_GLOBAL_T_H
#define SLUICE_CORE_GLOBAL_T_H

#define MAX_THREADS 64

struct global {
	int nbthread;                 /* 0 = number of CPUs available */
	unsigned maxconn;             /* process-wide connection limit */
	int daemon;
	char *pidfile;
	const char *instance;         /* -n NAME: shared-memory file name or path, NULL: default */
	unsigned hard_stop_after;     /* ms; 0 = wait forever for streams */
	unsigned bufsize;             /* tune.bufsize */
	unsigned maxrewrite;          /* tune.maxrewrite: head room kept for rewrites */
	unsigned pipesize;            /* tune.pipesize for splice */
	int nosplice;                 /* "nosplice": TCP forwarding through buffers only */
};

extern struct global global;

#endif
