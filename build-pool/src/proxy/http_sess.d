build-pool/src/proxy/http_sess.o: src/proxy/http_sess.c src/proxy/proxy.h \
 src/proxy/proxy-t.h src/core/list.h src/core/compiler.h \
 src/core/global-t.h src/http/msg-t.h src/shm/counters-t.h \
 src/shm/counters-tbl.h src/mem/buf-t.h src/proxy/stream-t.h \
 src/core/task-t.h src/mem/buf.h src/mem/pool.h src/mem/pool-t.h \
 src/core/thread-t.h src/http/h1.h src/http/h1_emit.h src/net/conn.h \
 src/net/conn-t.h src/core/fd.h src/net/listener.h src/net/listener-t.h \
 src/lb/lb.h src/lb/lb-t.h src/lb/server.h src/lb/server-t.h \
 src/core/task.h src/core/thread.h src/core/clock.h
src/proxy/proxy.h:
src/proxy/proxy-t.h:
src/core/list.h:
src/core/compiler.h:
src/core/global-t.h:
src/http/msg-t.h:
src/shm/counters-t.h:
src/shm/counters-tbl.h:
src/mem/buf-t.h:
src/proxy/stream-t.h:
src/core/task-t.h:
src/mem/buf.h:
src/mem/pool.h:
src/mem/pool-t.h:
src/core/thread-t.h:
src/http/h1.h:
src/http/h1_emit.h:
src/net/conn.h:
src/net/conn-t.h:
src/core/fd.h:
src/net/listener.h:
src/net/listener-t.h:
src/lb/lb.h:
src/lb/lb-t.h:
src/lb/server.h:
src/lb/server-t.h:
src/core/task.h:
src/core/thread.h:
src/core/clock.h:
