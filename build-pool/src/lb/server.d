build-pool/src/lb/server.o: src/lb/server.c src/lb/server.h \
 src/lb/server-t.h src/core/list.h src/core/compiler.h \
 src/core/global-t.h src/http/msg-t.h src/shm/counters-t.h \
 src/shm/counters-tbl.h src/net/conn.h src/net/conn-t.h src/core/fd.h \
 src/core/thread.h src/core/thread-t.h
src/lb/server.h:
src/lb/server-t.h:
src/core/list.h:
src/core/compiler.h:
src/core/global-t.h:
src/http/msg-t.h:
src/shm/counters-t.h:
src/shm/counters-tbl.h:
src/net/conn.h:
src/net/conn-t.h:
src/core/fd.h:
src/core/thread.h:
src/core/thread-t.h:
