#ifndef LOOKOUT_CLIBPQ_SHIM_H
#define LOOKOUT_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
