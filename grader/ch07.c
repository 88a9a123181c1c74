/* ch07.c - chapter 07's own checks (none yet: its tests use the generic kinds). */
#include "checks.h"

const struct check_entry ch07_checks[] = {
    {NULL, NULL},
};
