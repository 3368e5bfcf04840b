/*
 * A JUnit XML file for CI systems: one test case per threshold and one for
 * "no failed requests", in one test suite named after the locustfile.
 */
#include <inttypes.h>
#include <locust/locust.h>
#include <locust/report.h>

#include "report/report_internal.h"

int locust_report_junit(locust_runner *r, const locust_report_settings *st, FILE *f)
{
    if (!r || !f) return LOCUST_EINVAL;
    locust_report_settings none = {0};
    if (!st) st = &none;
    const locust_stats *s = locust_runner_stats(r);
    locust_entry_info tot;
    if (locust_stats_total(s, &tot)) return LOCUST_EINVAL;
    size_t failures = tot.num_failures > 0;
    for (size_t i = 0; i < st->n_thresholds; i++)
        failures += !st->thresholds[i].passed;
    double duration = st->end_time > st->start_time && st->start_time > 0 ? st->end_time - st->start_time : 0;
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n  <testsuite name=\"locust-run", f);
    if (st->locustfile) {
        fputs(" ", f);
        locust__xml_text(f, st->locustfile);
    }
    fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" time=\"%.3f\">\n", st->n_thresholds + 1,
            failures, duration);
    fputs("    <testcase classname=\"locust.requests\" name=\"no failed requests\">\n", f);
    if (tot.num_failures)
        fprintf(f,
                "      <failure message=\"%" PRIu64 " of %" PRIu64
                " requests failed\" type=\"failed_requests\"/>\n",
                tot.num_failures, tot.num_failures + tot.num_requests);
    fputs("    </testcase>\n", f);
    for (size_t i = 0; i < st->n_thresholds; i++) {
        const locust_threshold *t = &st->thresholds[i];
        fputs("    <testcase classname=\"locust.thresholds\" name=\"", f);
        locust__xml_text(f, t->expr);
        fputs("\">\n", f);
        if (!t->passed) {
            fputs("      <failure message=\"", f);
            locust__xml_text(f, t->expr);
            if (t->has_value)
                fprintf(f, ": measured %.6g", t->value);
            else
                fputs(": no data", f);
            fputs("\" type=\"threshold\"/>\n", f);
        }
        fputs("    </testcase>\n", f);
    }
    fputs("  </testsuite>\n</testsuites>\n", f);
    return ferror(f) ? LOCUST_EIO : 0;
}
