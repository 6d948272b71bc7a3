build-pool/src/http/h1_util.o: src/http/h1_util.c src/http/h1.h \
 src/http/msg-t.h
src/http/h1.h:
src/http/msg-t.h:
