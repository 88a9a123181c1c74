/* ch08.c - chapter 08's own checks (none yet: its tests use the generic kinds). */
#include "checks.h"

const struct check_entry ch08_checks[] = {
    {NULL, NULL},
};
