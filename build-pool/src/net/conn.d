build-pool/src/net/conn.o: src/net/conn.c src/net/conn.h src/net/conn-t.h \
 src/core/fd.h src/core/list.h src/core/compiler.h src/core/task.h \
 src/core/task-t.h src/core/thread.h src/core/thread-t.h \
 src/core/global-t.h src/http/msg-t.h src/mem/pool.h src/mem/pool-t.h
src/net/conn.h:
src/net/conn-t.h:
src/core/fd.h:
src/core/list.h:
src/core/compiler.h:
src/core/task.h:
src/core/task-t.h:
src/core/thread.h:
src/core/thread-t.h:
src/core/global-t.h:
src/http/msg-t.h:
src/mem/pool.h:
src/mem/pool-t.h:
