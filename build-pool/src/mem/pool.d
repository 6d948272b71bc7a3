build-pool/src/mem/pool.o: src/mem/pool.c src/mem/pool.h src/mem/pool-t.h \
 src/core/global-t.h src/http/msg-t.h src/core/list.h src/core/compiler.h \
 src/core/thread-t.h src/mem/pool_dbg.h src/core/thread.h
src/mem/pool.h:
src/mem/pool-t.h:
src/core/global-t.h:
src/http/msg-t.h:
src/core/list.h:
src/core/compiler.h:
src/core/thread-t.h:
src/mem/pool_dbg.h:
src/core/thread.h:
