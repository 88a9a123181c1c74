/* run_tests - every Check suite; `make test` runs it from the repository's root. */
#include <stdlib.h>

#include "tests.h"

int main(void)
{
    SRunner *runner = srunner_create(util_suite());
    srunner_add_suite(runner, table_suite());
    srunner_add_suite(runner, sandbox_suite());
    srunner_add_suite(runner, build_suite());
    srunner_add_suite(runner, report_suite());
    srunner_add_suite(runner, grading_suite());
    srunner_add_suite(runner, variants_suite());
    srunner_add_suite(runner, batch_suite());
    srunner_add_suite(runner, workbook_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
