/*
 * --show-task-ratio and --show-task-ratio-json (docs/compatibility.md §5.2): how often each
 * class and task runs, relative to its parent and in total, computed and
 * printed exactly as Locust 0.9.0's inspectlocust module does.
 */
#ifndef LOCUST_CLI_TASKRATIO_H
#define LOCUST_CLI_TASKRATIO_H

#include <locust/locust.h>
#include <stddef.h>
#include <stdio.h>

struct cJSON;

/*
 * Builds 0.9.0's get_task_ratio_dict() for the classes: an object keyed by
 * class name, each {"ratio": r, "tasks": {...}}. With total, ratios are
 * absolute (the product down the tree), otherwise relative to the parent.
 * A task set that contains itself (directly or not) is listed without its
 * tasks at the repeat, where 0.9.0 would recurse forever. Returns NULL with
 * a message in `err` on failure (out of memory, a tree too large).
 */
struct cJSON *cli_task_ratio_dict(const locust_class *const *classes, size_t n, const locust_runner *filter,
                                  bool total, char *err, size_t errlen);

/* Prints both --show-task-ratio tables. Returns 0 or -1 with `err`. */
int cli_task_ratio_print(FILE *f, const locust_class *const *classes, size_t n, const locust_runner *filter,
                         char *err, size_t errlen);

/* Prints the --show-task-ratio-json line. Returns 0 or -1 with `err`. */
int cli_task_ratio_json(FILE *f, const locust_class *const *classes, size_t n, const locust_runner *filter,
                        char *err, size_t errlen);

/* Formats a double as Python's repr() does: the shortest text that reads back the same. */
void cli_py_float_repr(double v, char *buf, size_t len);

/* Writes a cJSON tree of objects, strings and numbers as Python's json.dumps() would. */
int cli_py_json_dump(FILE *f, const struct cJSON *item);

#endif /* LOCUST_CLI_TASKRATIO_H */
