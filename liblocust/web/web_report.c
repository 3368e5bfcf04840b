/*
 * The HTML report (one self-contained file: the page, its data and Chart.js
 * inlined, so that it opens offline) and the web UI's report routes:
 * /stats/report (Locust 2.x's download of that file while a test runs) and
 * /metrics (Prometheus). The HTML lives in the web layer because it shares
 * the page's embedded Chart.js; the data comes from the report layer.
 */
#include <locust/locust.h>
#include <locust/report.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "report/report_internal.h"
#include "web/web_internal.h"

int locust_report_html(locust_runner *r, const locust_report_settings *st, FILE *f)
{
    if (!r || !f) return LOCUST_EINVAL;
    const locust__web_asset *page = locust__web_asset_find("report.html");
    const locust__web_asset *chart = locust__web_asset_find("chart.min.js");
    if (!page || !chart) return LOCUST_ENOENT;
    const char *p = (const char *)page->data;
    int rc = 0;
    for (;;) {
        const char *open = strstr(p, "{{");
        if (!open) break;
        fwrite(p, 1, (size_t)(open - p), f);
        if (strncmp(open, "{{chartjs}}", 11) == 0) {
            fwrite(chart->data, 1, chart->len, f);
            p = open + 11;
        } else if (strncmp(open, "{{data}}", 8) == 0) {
            if ((rc = locust__report_json_doc(r, st, true, f))) return rc;
            p = open + 8;
        } else {
            fwrite(open, 1, 2, f);
            p = open + 2;
        }
    }
    fputs(p, f);
    return ferror(f) ? LOCUST_EIO : 0;
}

typedef int (*doc_writer)(locust_runner *r, FILE *f);

/* Runs a writer into memory and makes it the response's body. */
static int respond(locust_runner *r, locust_web_response *res, doc_writer write, const char *type,
                   const char *disposition)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return LOCUST_ENOMEM;
    int err = write(r, f);
    if (fclose(f) != 0 && !err) err = LOCUST_ENOMEM;
    if (!err) err = locust_web_response_header(res, "Content-Type", type);
    if (!err && disposition) err = locust_web_response_header(res, "Content-Disposition", disposition);
    if (!err) err = locust_web_response_write(res, buf, len);
    free(buf);
    return err;
}

static int html_now(locust_runner *r, FILE *f)
{
    locust__report_state *st = locust__report_state_of(r, false);
    locust_report_settings s = st ? st->settings : (locust_report_settings){0};
    s.end_time = 0; /* now: the test may still run */
    /* Thresholds judged on the numbers so far, on a copy: the run's own verdict is not touched. */
    locust_threshold *copy = NULL;
    if (s.n_thresholds) {
        copy = calloc(s.n_thresholds, sizeof *copy);
        if (!copy) return LOCUST_ENOMEM;
        for (size_t i = 0; i < s.n_thresholds; i++) {
            copy[i] = s.thresholds[i];
            locust_threshold_eval(&copy[i], locust_runner_stats(r));
        }
        s.thresholds = copy;
    }
    int rc = locust_report_html(r, &s, f);
    free(copy);
    return rc;
}

int locust__web_route_report(const locust_web_request *req, locust_web_response *res, void *udata)
{
    (void)udata;
    char disp[96];
    const char *dl = locust_web_request_arg(req, "download");
    snprintf(disp, sizeof disp, "attachment;filename=report_%.0f.html", locust__now());
    return respond(locust__web_runner(req->web), res, html_now, "text/html; charset=utf-8",
                   dl && *dl ? disp : NULL);
}

int locust__web_route_metrics(const locust_web_request *req, locust_web_response *res, void *udata)
{
    (void)udata;
    return respond(locust__web_runner(req->web), res, locust_report_prometheus,
                   "text/plain; version=0.0.4; charset=utf-8", NULL);
}
