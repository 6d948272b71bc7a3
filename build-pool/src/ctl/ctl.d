build-pool/src/ctl/ctl.o: src/ctl/ctl.c src/core/compiler.h \
 src/core/global-t.h src/http/msg-t.h src/proxy/proxy-t.h src/core/list.h \
 src/shm/counters-t.h src/shm/counters-tbl.h src/lb/server-t.h \
 src/shm/counters.h src/core/thread-t.h src/mem/buf.h src/mem/buf-t.h \
 src/mem/pool.h src/mem/pool-t.h src/ctl/ctl.h
src/core/compiler.h:
src/core/global-t.h:
src/http/msg-t.h:
src/proxy/proxy-t.h:
src/core/list.h:
src/shm/counters-t.h:
src/shm/counters-tbl.h:
src/lb/server-t.h:
src/shm/counters.h:
src/core/thread-t.h:
src/mem/buf.h:
src/mem/buf-t.h:
src/mem/pool.h:
src/mem/pool-t.h:
src/ctl/ctl.h:
