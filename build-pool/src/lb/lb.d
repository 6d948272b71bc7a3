build-pool/src/lb/lb.o: src/lb/lb.c src/lb/lb.h src/lb/lb-t.h \
 src/proxy/proxy-t.h src/core/list.h src/core/compiler.h \
 src/core/global-t.h src/http/msg-t.h src/shm/counters-t.h \
 src/shm/counters-tbl.h
src/lb/lb.h:
src/lb/lb-t.h:
src/proxy/proxy-t.h:
src/core/list.h:
src/core/compiler.h:
src/core/global-t.h:
src/http/msg-t.h:
src/shm/counters-t.h:
src/shm/counters-tbl.h:
