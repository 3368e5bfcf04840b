/*
 * Shared helpers of the report layer (liblocust/report): Python's number
 * and CSV spellings (2.x's files are written by Python), JSON string
 * escaping, and the per-runner state the web UI's report routes read.
 * Nothing here is public.
 */
#ifndef LOCUST_REPORT_INTERNAL_H
#define LOCUST_REPORT_INTERNAL_H

#include <locust/locust.h>
#include <locust/report.h>
#include <stdio.h>

/* Writes a float as Python's repr() does: the shortest text that reads back the same ("1.0", "0.25"). */
void locust__py_float(FILE *f, double v);
/* Writes one CSV field as Python's csv module (QUOTE_MINIMAL) does. */
void locust__csv_field(FILE *f, const char *s);
/* Writes a JSON string literal, escaped (and "</" as "<\/", so that it may sit in a <script>). */
void locust__json_string(FILE *f, const char *s);
/* Writes a JSON number (null when not finite). */
void locust__json_number(FILE *f, double v);
/* Escapes text for HTML or XML content and attributes. */
void locust__xml_text(FILE *f, const char *s);

/* The JSON summary document without its final newline; with `history`, the runner's history too. */
int locust__report_json_doc(locust_runner *r, const locust_report_settings *st, bool history, FILE *f);

/* The per-runner state of the report layer (LOCUST__SLOT_REPORT). */
typedef struct locust__report_state {
    locust_history *history;
    locust_report_settings settings; /* strings below are copies */
    char *locustfile, *host, *run_time, *command_line;
} locust__report_state;

/* Returns the runner's report state, creating it when `create` is set (NULL when out of memory). */
locust__report_state *locust__report_state_of(locust_runner *r, bool create);

#endif /* LOCUST_REPORT_INTERNAL_H */
