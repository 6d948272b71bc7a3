build-pool/src/lb/server_cfg.o: src/lb/server_cfg.c src/cfg/cfg.h \
 src/core/compiler.h src/lb/lb.h src/lb/lb-t.h src/proxy/proxy-t.h \
 src/core/list.h src/core/global-t.h src/http/msg-t.h \
 src/shm/counters-t.h src/shm/counters-tbl.h src/lb/server-t.h \
 src/net/addr.h
src/cfg/cfg.h:
src/core/compiler.h:
src/lb/lb.h:
src/lb/lb-t.h:
src/proxy/proxy-t.h:
src/core/list.h:
src/core/global-t.h:
src/http/msg-t.h:
src/shm/counters-t.h:
src/shm/counters-tbl.h:
src/lb/server-t.h:
src/net/addr.h:
