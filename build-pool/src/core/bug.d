build-pool/src/core/bug.o: src/core/bug.c src/core/compiler.h
src/core/compiler.h:
