build-pool/src/net/bind_cfg.o: src/net/bind_cfg.c src/cfg/cfg.h \
 src/core/compiler.h src/net/addr.h src/net/listener-t.h src/core/list.h \
 src/core/global-t.h src/http/msg-t.h src/proxy/proxy-t.h \
 src/shm/counters-t.h src/shm/counters-tbl.h
src/cfg/cfg.h:
src/core/compiler.h:
src/net/addr.h:
src/net/listener-t.h:
src/core/list.h:
src/core/global-t.h:
src/http/msg-t.h:
src/proxy/proxy-t.h:
src/shm/counters-t.h:
src/shm/counters-tbl.h:
