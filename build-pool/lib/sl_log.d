build-pool/lib/sl_log.o: lib/sl_log.c lib/sl_int.h \
 include/sluice/sluice.h include/sluice/tags.h src/shm/shm-t.h
lib/sl_int.h:
include/sluice/sluice.h:
include/sluice/tags.h:
src/shm/shm-t.h:
