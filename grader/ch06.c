/* ch06.c - chapter 06's own checks (none yet: its tests use the generic kinds). */
#include "checks.h"

const struct check_entry ch06_checks[] = {
    {NULL, NULL},
};
