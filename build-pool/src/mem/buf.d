build-pool/src/mem/buf.o: src/mem/buf.c src/mem/buf.h src/mem/buf-t.h \
 src/mem/pool.h src/mem/pool-t.h src/core/global-t.h src/http/msg-t.h \
 src/core/list.h src/core/compiler.h src/core/thread-t.h src/core/task.h \
 src/core/task-t.h src/core/thread.h src/cfg/cfg.h
src/mem/buf.h:
src/mem/buf-t.h:
src/mem/pool.h:
src/mem/pool-t.h:
src/core/global-t.h:
src/http/msg-t.h:
src/core/list.h:
src/core/compiler.h:
src/core/thread-t.h:
src/core/task.h:
src/core/task-t.h:
src/core/thread.h:
src/cfg/cfg.h:
