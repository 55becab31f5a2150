#ifndef LOOKOUT_CHIREDIS_SHIM_H
#define LOOKOUT_CHIREDIS_SHIM_H
#include <hiredis/hiredis.h>
#endif
