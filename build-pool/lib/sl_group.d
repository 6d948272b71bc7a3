build-pool/lib/sl_group.o: lib/sl_group.c lib/sl_int.h \
 include/sluice/sluice.h include/sluice/tags.h src/shm/shm-t.h
lib/sl_int.h:
include/sluice/sluice.h:
include/sluice/tags.h:
src/shm/shm-t.h:
