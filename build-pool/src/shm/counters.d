build-pool/src/shm/counters.o: src/shm/counters.c src/core/clock.h \
 src/core/compiler.h src/core/global-t.h src/http/msg-t.h \
 src/core/thread.h src/core/thread-t.h src/core/list.h src/lb/server-t.h \
 src/shm/counters-t.h src/shm/counters-tbl.h src/mem/pool.h \
 src/mem/pool-t.h src/proxy/proxy-t.h src/shm/counters.h src/shm/shm.h \
 src/shm/shm-t.h
src/core/clock.h:
src/core/compiler.h:
src/core/global-t.h:
src/http/msg-t.h:
src/core/thread.h:
src/core/thread-t.h:
src/core/list.h:
src/lb/server-t.h:
src/shm/counters-t.h:
src/shm/counters-tbl.h:
src/mem/pool.h:
src/mem/pool-t.h:
src/proxy/proxy-t.h:
src/shm/counters.h:
src/shm/shm.h:
src/shm/shm-t.h:
