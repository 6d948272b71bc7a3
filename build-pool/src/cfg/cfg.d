build-pool/src/cfg/cfg.o: src/cfg/cfg.c src/cfg/cfg.h src/core/compiler.h
src/cfg/cfg.h:
src/core/compiler.h:
