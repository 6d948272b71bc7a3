build-pool/src/net/addr.o: src/net/addr.c src/core/compiler.h \
 src/net/addr.h
src/core/compiler.h:
src/net/addr.h:
