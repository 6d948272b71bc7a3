build-pool/src/cfg/cfg_util.o: src/cfg/cfg_util.c src/cfg/cfg.h \
 src/core/compiler.h
src/cfg/cfg.h:
src/core/compiler.h:
