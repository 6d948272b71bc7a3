build-pool/src/proxy/tcp_fwd.o: src/proxy/tcp_fwd.c src/proxy/proxy.h \
 src/proxy/proxy-t.h src/core/list.h src/core/compiler.h \
 src/core/global-t.h src/http/msg-t.h src/shm/counters-t.h \
 src/shm/counters-tbl.h src/mem/buf-t.h src/net/conn.h src/net/conn-t.h \
 src/core/fd.h src/net/listener.h src/net/listener-t.h src/lb/lb.h \
 src/lb/lb-t.h src/lb/server-t.h src/core/task.h src/core/task-t.h \
 src/core/thread.h src/core/thread-t.h src/core/clock.h src/mem/buf.h \
 src/mem/pool.h src/mem/pool-t.h
src/proxy/proxy.h:
src/proxy/proxy-t.h:
src/core/list.h:
src/core/compiler.h:
src/core/global-t.h:
src/http/msg-t.h:
src/shm/counters-t.h:
src/shm/counters-tbl.h:
src/mem/buf-t.h:
src/net/conn.h:
src/net/conn-t.h:
src/core/fd.h:
src/net/listener.h:
src/net/listener-t.h:
src/lb/lb.h:
src/lb/lb-t.h:
src/lb/server-t.h:
src/core/task.h:
src/core/task-t.h:
src/core/thread.h:
src/core/thread-t.h:
src/core/clock.h:
src/mem/buf.h:
src/mem/pool.h:
src/mem/pool-t.h:
