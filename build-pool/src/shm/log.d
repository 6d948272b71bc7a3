build-pool/src/shm/log.o: src/shm/log.c src/core/compiler.h \
 src/core/thread.h src/core/thread-t.h src/core/list.h \
 src/core/global-t.h src/http/msg-t.h src/shm/log.h src/shm/shm-t.h \
 src/shm/../../include/sluice/tags.h src/shm/counters.h \
 src/shm/counters-t.h src/shm/counters-tbl.h
src/core/compiler.h:
src/core/thread.h:
src/core/thread-t.h:
src/core/list.h:
src/core/global-t.h:
src/http/msg-t.h:
src/shm/log.h:
src/shm/shm-t.h:
src/shm/../../include/sluice/tags.h:
src/shm/counters.h:
src/shm/counters-t.h:
src/shm/counters-tbl.h:
