build-pool/tools/sluicelog.o: tools/sluicelog.c include/sluice/sluice.h \
 include/sluice/tags.h
include/sluice/sluice.h:
include/sluice/tags.h:
