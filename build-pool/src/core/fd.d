build-pool/src/core/fd.o: src/core/fd.c src/core/fd.h src/core/thread.h \
 src/core/thread-t.h src/core/list.h src/core/compiler.h \
 src/core/global-t.h src/http/msg-t.h
src/core/fd.h:
src/core/thread.h:
src/core/thread-t.h:
src/core/list.h:
src/core/compiler.h:
src/core/global-t.h:
src/http/msg-t.h:
