/* Helpers shared by the Check test programs. */
#ifndef LOCUST_TESTUTIL_H
#define LOCUST_TESTUTIL_H

#include <check.h>
#include <locust/locust.h>
#include <stdio.h>
#include <stdlib.h>

/* Runs a suite and returns the process exit status automake expects. */
static inline int testutil_run(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* Logs go nowhere unless LOCUST_TEST_LOG is set, so test output stays readable. */
static inline void testutil_quiet_logs(void)
{
    if (!getenv("LOCUST_TEST_LOG")) locust_log_set(NULL, NULL, LOCUST_LOG_CRITICAL + 1);
}

#endif /* LOCUST_TESTUTIL_H */
