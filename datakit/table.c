/* table.c placeholder */
#include <datakit/table.h>
