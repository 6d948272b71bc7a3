build-pool/lib/sl_follow.o: lib/sl_follow.c lib/sl_int.h \
 include/sluice/sluice.h include/sluice/tags.h src/shm/shm-t.h
lib/sl_int.h:
include/sluice/sluice.h:
include/sluice/tags.h:
src/shm/shm-t.h:
