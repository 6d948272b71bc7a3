/* global-t.h: process-wide settings from the "global" section. */
#ifndef SLUICE_CORE_GLOBAL_T_H
#define SLUICE_CORE_GLOBAL_T_H

#define MAX_THREADS 64

struct global {
	int nbthread;                 /* 0 = number of CPUs available */
	unsigned maxconn;             /* process-wide connection limit */
	int daemon;
	char *pidfile;
	unsigned hard_stop_after;     /* ms; 0 = wait forever for streams */
	unsigned bufsize;             /* tune.bufsize */
	unsigned maxrewrite;          /* tune.maxrewrite: head room kept for rewrites */
	unsigned pipesize;            /* tune.pipesize for splice */
	char *stats_socket;           /* "stats socket PATH" */
	unsigned stats_socket_mode;   /* "stats socket PATH mode OCTAL", 0 = umask default */
};

extern struct global global;

#endif
