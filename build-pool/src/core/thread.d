build-pool/src/core/thread.o: src/core/thread.c src/core/thread.h \
 src/core/thread-t.h src/core/list.h src/core/compiler.h \
 src/core/global-t.h src/http/msg-t.h src/core/task.h src/core/task-t.h \
 src/core/fd.h src/core/clock.h
src/core/thread.h:
src/core/thread-t.h:
src/core/list.h:
src/core/compiler.h:
src/core/global-t.h:
src/http/msg-t.h:
src/core/task.h:
src/core/task-t.h:
src/core/fd.h:
src/core/clock.h:
