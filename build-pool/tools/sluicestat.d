build-pool/tools/sluicestat.o: tools/sluicestat.c include/sluice/sluice.h \
 include/sluice/tags.h
include/sluice/sluice.h:
include/sluice/tags.h:
