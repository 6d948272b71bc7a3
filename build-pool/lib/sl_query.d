build-pool/lib/sl_query.o: lib/sl_query.c lib/sl_int.h \
 include/sluice/sluice.h include/sluice/tags.h src/shm/shm-t.h
lib/sl_int.h:
include/sluice/sluice.h:
include/sluice/tags.h:
src/shm/shm-t.h:
