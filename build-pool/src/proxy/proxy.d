build-pool/src/proxy/proxy.o: src/proxy/proxy.c src/proxy/proxy.h \
 src/proxy/proxy-t.h src/core/list.h src/core/compiler.h \
 src/core/global-t.h src/http/msg-t.h src/shm/counters-t.h \
 src/shm/counters-tbl.h src/mem/buf-t.h src/net/listener.h \
 src/net/listener-t.h
src/proxy/proxy.h:
src/proxy/proxy-t.h:
src/core/list.h:
src/core/compiler.h:
src/core/global-t.h:
src/http/msg-t.h:
src/shm/counters-t.h:
src/shm/counters-tbl.h:
src/mem/buf-t.h:
src/net/listener.h:
src/net/listener-t.h:
