/* register.h -- btree.so's init and fini: the type, then every command family. */
#ifndef KEEL_BTREE_REGISTER_H
#define KEEL_BTREE_REGISTER_H

#include <keel/sdk.h>

keel_status bt_register(keel_module *m);
void bt_unregister(keel_module *m);

#endif
