build-pool/src/http/h1.o: src/http/h1.c src/core/compiler.h src/http/h1.h \
 src/http/msg-t.h
src/core/compiler.h:
src/http/h1.h:
src/http/msg-t.h:
