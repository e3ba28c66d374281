/* box.c placeholder */
#include <datakit/box.h>
