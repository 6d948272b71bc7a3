build-pool/src/core/main.o: src/core/main.c src/core/thread.h \
 src/core/thread-t.h src/core/list.h src/core/compiler.h \
 src/core/global-t.h src/http/msg-t.h src/core/clock.h src/cfg/cfg.h \
 src/ctl/ctl.h src/lb/lb.h src/lb/lb-t.h src/proxy/proxy-t.h \
 src/shm/counters-t.h src/shm/counters-tbl.h src/mem/buf.h \
 src/mem/buf-t.h src/mem/pool.h src/mem/pool-t.h src/net/listener.h \
 src/net/listener-t.h src/proxy/proxy.h
src/core/thread.h:
src/core/thread-t.h:
src/core/list.h:
src/core/compiler.h:
src/core/global-t.h:
src/http/msg-t.h:
src/core/clock.h:
src/cfg/cfg.h:
src/ctl/ctl.h:
src/lb/lb.h:
src/lb/lb-t.h:
src/proxy/proxy-t.h:
src/shm/counters-t.h:
src/shm/counters-tbl.h:
src/mem/buf.h:
src/mem/buf-t.h:
src/mem/pool.h:
src/mem/pool-t.h:
src/net/listener.h:
src/net/listener-t.h:
src/proxy/proxy.h:
