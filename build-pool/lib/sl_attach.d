build-pool/lib/sl_attach.o: lib/sl_attach.c lib/sl_int.h \
 include/sluice/sluice.h include/sluice/tags.h src/shm/shm-t.h
lib/sl_int.h:
include/sluice/sluice.h:
include/sluice/tags.h:
src/shm/shm-t.h:
