build-pool/src/http/h1_emit.o: src/http/h1_emit.c src/http/h1_emit.h \
 src/http/msg-t.h src/mem/buf-t.h src/http/h1.h src/mem/buf.h \
 src/mem/pool.h src/mem/pool-t.h src/core/global-t.h src/core/list.h \
 src/core/compiler.h src/core/thread-t.h
src/http/h1_emit.h:
src/http/msg-t.h:
src/mem/buf-t.h:
src/http/h1.h:
src/mem/buf.h:
src/mem/pool.h:
src/mem/pool-t.h:
src/core/global-t.h:
src/core/list.h:
src/core/compiler.h:
src/core/thread-t.h:
