build-pool/src/core/global_cfg.o: src/core/global_cfg.c src/cfg/cfg.h \
 src/core/compiler.h src/core/global-t.h src/http/msg-t.h src/net/addr.h
src/cfg/cfg.h:
src/core/compiler.h:
src/core/global-t.h:
src/http/msg-t.h:
src/net/addr.h:
