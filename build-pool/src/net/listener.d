build-pool/src/net/listener.o: src/net/listener.c src/net/listener.h \
 src/net/listener-t.h src/core/list.h src/core/compiler.h \
 src/core/global-t.h src/http/msg-t.h src/net/conn.h src/net/conn-t.h \
 src/core/fd.h src/core/thread.h src/core/thread-t.h src/proxy/proxy-t.h \
 src/shm/counters-t.h src/shm/counters-tbl.h
src/net/listener.h:
src/net/listener-t.h:
src/core/list.h:
src/core/compiler.h:
src/core/global-t.h:
src/http/msg-t.h:
src/net/conn.h:
src/net/conn-t.h:
src/core/fd.h:
src/core/thread.h:
src/core/thread-t.h:
src/proxy/proxy-t.h:
src/shm/counters-t.h:
src/shm/counters-tbl.h:
