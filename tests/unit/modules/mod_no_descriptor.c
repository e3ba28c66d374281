/* mod_no_descriptor.c -- a shared object that is not a Keel module at all. */
int keel_test_not_a_module(void);
int keel_test_not_a_module(void) {
    return 42;
}
