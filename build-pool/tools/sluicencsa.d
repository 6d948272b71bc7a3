build-pool/tools/sluicencsa.o: tools/sluicencsa.c include/sluice/sluice.h \
 include/sluice/tags.h
include/sluice/sluice.h:
include/sluice/tags.h:
