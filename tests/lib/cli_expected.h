/*
 * What Locust 0.9.0 prints for the task ratio example of docs/compatibility.md §5.2
 * (tests/cli_scenarios/ratio.c), produced by 0.9.0's inspectlocust code
 * under Python 3: the lines the spec shows, and the "..." it leaves out.
 * The table lines keep Python's "%-50s" padding.
 */
#ifndef LOCUST_TEST_CLI_EXPECTED_H
#define LOCUST_TEST_CLI_EXPECTED_H

static const char expected_task_ratio[] =
    "\n"
    " Task ratio per locust class\n"
    "--------------------------------------------------------------------------------\n"
    " 25.0       UnlikelyLocust                                    \n"
    "   20.0       task1                                           \n"
    "   60.0       task3                                           \n"
    "   20.0       Sub                                             \n"
    "     33.3       a                                             \n"
    "     66.7       b                                             \n"
    " 75.0       MoreLikelyLocust                                  \n"
    "   20.0       task1                                           \n"
    "   60.0       task3                                           \n"
    "   20.0       Sub                                             \n"
    "     33.3       a                                             \n"
    "     66.7       b                                             \n"
    "\n"
    " Total task ratio\n"
    "--------------------------------------------------------------------------------\n"
    " 25.0       UnlikelyLocust                                    \n"
    "   5.0        task1                                           \n"
    "   15.0       task3                                           \n"
    "   5.0        Sub                                             \n"
    "     1.7        a                                             \n"
    "     3.3        b                                             \n"
    " 75.0       MoreLikelyLocust                                  \n"
    "   15.0       task1                                           \n"
    "   45.0       task3                                           \n"
    "   15.0       Sub                                             \n"
    "     5.0        a                                             \n"
    "     10.0       b                                             \n";

static const char expected_task_ratio_json[] =
    "{\"per_class\": {\"UnlikelyLocust\": {\"ratio\": 0.25, \"tasks\": {\"task1\": {\"ratio\": 0.2}, "
    "\"task3\": {\"ratio\": 0.6}, \"Sub\": {\"ratio\": 0.2, \"tasks\": {\"a\": {\"ratio\": "
    "0.3333333333333333}, \"b\": {\"ratio\": 0.6666666666666666}}}}}, \"MoreLikelyLocust\": {\"ratio\": "
    "0.75, \"tasks\": {\"task1\": {\"ratio\": 0.2}, \"task3\": {\"ratio\": 0.6}, \"Sub\": {\"ratio\": 0.2, "
    "\"tasks\": {\"a\": {\"ratio\": 0.3333333333333333}, \"b\": {\"ratio\": 0.6666666666666666}}}}}}, "
    "\"total\": {\"UnlikelyLocust\": {\"ratio\": 0.25, \"tasks\": {\"task1\": {\"ratio\": 0.05}, \"task3\": "
    "{\"ratio\": 0.15}, \"Sub\": {\"ratio\": 0.05, \"tasks\": {\"a\": {\"ratio\": 0.016666666666666666}, "
    "\"b\": {\"ratio\": 0.03333333333333333}}}}}, \"MoreLikelyLocust\": {\"ratio\": 0.75, \"tasks\": "
    "{\"task1\": {\"ratio\": 0.15}, \"task3\": {\"ratio\": 0.44999999999999996}, \"Sub\": {\"ratio\": 0.15, "
    "\"tasks\": {\"a\": {\"ratio\": 0.05}, \"b\": {\"ratio\": 0.1}}}}}}}\n";

#endif
