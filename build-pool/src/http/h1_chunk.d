build-pool/src/http/h1_chunk.o: src/http/h1_chunk.c src/core/compiler.h \
 src/http/h1.h src/http/msg-t.h
src/core/compiler.h:
src/http/h1.h:
src/http/msg-t.h:
