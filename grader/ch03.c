/* ch03.c - chapter 03's own checks (none yet: its tests use the generic kinds). */
#include "checks.h"

const struct check_entry ch03_checks[] = {
    {NULL, NULL},
};
