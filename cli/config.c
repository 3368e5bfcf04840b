/*
 * Configuration as Locust 2.x reads it: ~/.locust.conf, then ./locust.conf,
 * then --config FILE (configargparse's format: "key = value", "key: value"
 * or "key value", '#' and ';' comments, "[section]" lines ignored, a bare
 * key meaning true, "[a, b]" lists), then LOCUST_* environment variables,
 * then the command line. Each source becomes "--key=value" arguments put
 * before the later ones, so that getopt's "last one wins" gives 2.x's
 * precedence: command line > environment > files.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"

/* Caps: a configuration is a handful of lines. */
#define MAX_ARGS 4096
#define MAX_LINE 4096

typedef struct argbuf {
    char **v;
    char **where; /* where[i]: the file and line, or the variable, that gave v[i] */
    int n;
} argbuf;

/*
 * The arguments the files and variables gave, with where each came from,
 * until cli_config_argv_free(): cli_config_blame() names the source of a
 * bad value. Found by pointer, as getopt may reorder the vector.
 */
static argbuf origins;

#define fail cli_fail

static int push(argbuf *a, char *s, const char *where)
{
    char *w = strdup(where);
    if (!s || !w || a->n >= MAX_ARGS) {
        free(s);
        free(w);
        return -1;
    }
    a->where[a->n] = w;
    a->v[a->n++] = s;
    return 0;
}

static char *join(const char *name, const char *value)
{
    size_t n = strlen(name) + (value ? strlen(value) + 1 : 0) + 3;
    char *s = malloc(n);
    if (!s) return NULL;
    if (value)
        snprintf(s, n, "--%s=%s", name, value);
    else
        snprintf(s, n, "--%s", name);
    return s;
}

/* The long option a key names exactly ("users" or "--users"), or NULL. */
static const struct option *find_key(const char *key)
{
    if (strncmp(key, "--", 2) == 0) key += 2;
    for (const struct option *o = cli_options_table(); o->name; o++)
        if (strcmp(o->name, key) == 0) return o;
    return NULL;
}

static bool is_true(const char *v)
{
    return strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0 || strcasecmp(v, "yes") == 0;
}

static bool is_false(const char *v)
{
    return strcasecmp(v, "false") == 0 || strcmp(v, "0") == 0 || strcasecmp(v, "no") == 0 || !*v;
}

/* Adds one key's value(s). `where` names the source for messages. */
static int add_value(argbuf *a, const struct option *o, char *value, const char *where, char *err,
                     size_t errlen)
{
    if (o->has_arg == no_argument) {
        if (is_true(value))
            return push(a, join(o->name, NULL), where) ? fail(err, errlen, "%s: too many options", where) : 0;
        if (is_false(value)) return 0;
        return fail(err, errlen, "%s: '%s' takes true or false, not '%s'", where, o->name, value);
    }
    size_t n = strlen(value);
    if (n >= 2 && value[0] == '[' && value[n - 1] == ']') {
        /* A list: one option per element, quotes around an element dropped. */
        value[n - 1] = '\0';
        for (char *save = NULL, *el = strtok_r(value + 1, ",", &save); el; el = strtok_r(NULL, ",", &save)) {
            while (isspace((unsigned char)*el))
                el++;
            size_t k = strlen(el);
            while (k && isspace((unsigned char)el[k - 1]))
                el[--k] = '\0';
            if (k >= 2 && (el[0] == '"' || el[0] == '\'') && el[k - 1] == el[0]) {
                el[k - 1] = '\0';
                el++;
            }
            if (push(a, join(o->name, el), where)) return fail(err, errlen, "%s: too many options", where);
        }
        return 0;
    }
    return push(a, join(o->name, value), where) ? fail(err, errlen, "%s: too many options", where) : 0;
}

/* Reads one config file; a missing optional file is skipped. */
static int read_file(argbuf *a, const char *path, bool required, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        if (!required && errno == ENOENT) return 0;
        return fail(err, errlen, "cannot read the config file %s: %s", path, strerror(errno));
    }
    char line[MAX_LINE];
    int lineno = 0, rc = 0;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        lineno++;
        char where[512];
        snprintf(where, sizeof where, "%s:%d", path, lineno);
        size_t n = strlen(line);
        if (n == sizeof line - 1 && line[n - 1] != '\n') {
            rc = fail(err, errlen, "%s: line too long", where);
            break;
        }
        while (n && isspace((unsigned char)line[n - 1]))
            line[--n] = '\0';
        char *p = line;
        while (isspace((unsigned char)*p))
            p++;
        if (!*p || *p == '#' || *p == ';' || *p == '[' || strncmp(p, "---", 3) == 0) continue;
        char *key = p;
        p += strcspn(p, ":= \t");
        char *value = p;
        if (*p) {
            bool sep = *p == ':' || *p == '=';
            *p++ = '\0';
            while (isspace((unsigned char)*p))
                p++;
            if (!sep && (*p == ':' || *p == '=')) {
                p++;
                while (isspace((unsigned char)*p))
                    p++;
            }
            value = p;
            /* A comment after the value: " # ..." or " ; ...". */
            for (char *c = value; *c; c++)
                if ((*c == '#' || *c == ';') && c > value && isspace((unsigned char)c[-1])) {
                    *c = '\0';
                    break;
                }
            size_t k = strlen(value);
            while (k && isspace((unsigned char)value[k - 1]))
                value[--k] = '\0';
            if (k >= 2 && (value[0] == '"' || value[0] == '\'') && value[k - 1] == value[0]) {
                value[k - 1] = '\0';
                value++;
            }
        } else {
            value = "true";
        }
        const struct option *o = find_key(key);
        if (!o || strcmp(o->name, "config") == 0 || strcmp(o->name, "help") == 0) {
            rc = fail(err, errlen, "%s: unknown option '%s' in the config file", where, key);
            break;
        }
        rc = add_value(a, o, value, where, err, errlen);
    }
    fclose(f);
    return rc;
}

/*
 * The options whose variable is not LOCUST_ and the option's name: 2.x's
 * names for the distributed options, and no variable for 0.9's -P/--port.
 * 2.x renamed these so that the variables Kubernetes puts in every pod for
 * a service ("locust-master" gives LOCUST_MASTER_PORT=tcp://10.0.0.7:5557,
 * "locust" gives LOCUST_PORT) are not taken for options; reading them
 * would stop such a pod with a usage error.
 */
static const struct {
    const char *option, *var;
} env_names[] = {
    {"master", "LOCUST_MODE_MASTER"},
    {"worker", "LOCUST_MODE_WORKER"},
    {"master-host", "LOCUST_MASTER_NODE_HOST"},
    {"master-port", "LOCUST_MASTER_NODE_PORT"},
    {"port", NULL},
};

/* LOCUST_USERS for "users", LOCUST_SPAWN_RATE for "spawn-rate"; "" when the option has no variable. */
static void env_name(const char *opt, char *out, size_t len)
{
    for (size_t i = 0; i < sizeof env_names / sizeof env_names[0]; i++)
        if (strcmp(opt, env_names[i].option) == 0) {
            snprintf(out, len, "%s", env_names[i].var ? env_names[i].var : "");
            return;
        }
    size_t k = (size_t)snprintf(out, len, "LOCUST_");
    for (; *opt && k + 1 < len; opt++)
        out[k++] = *opt == '-' ? '_' : (char)toupper((unsigned char)*opt);
    out[k] = '\0';
}

static int read_env(argbuf *a, char *err, size_t errlen)
{
    for (const struct option *o = cli_options_table(); o->name; o++) {
        if (strcmp(o->name, "config") == 0 || strcmp(o->name, "help") == 0 || strcmp(o->name, "version") == 0)
            continue;
        char name[96];
        env_name(o->name, name, sizeof name);
        const char *v = *name ? getenv(name) : NULL;
        if (!v) continue;
        char *copy = strdup(v);
        if (!copy) return fail(err, errlen, "out of memory");
        int rc = add_value(a, o, copy, name, err, errlen);
        free(copy);
        if (rc) return rc;
    }
    return 0;
}

/* The --config value on the command line, if any (the last one wins). */
static const char *config_arg(int argc, char **argv)
{
    const char *found = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) break;
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
            found = argv[++i];
        else if (strncmp(argv[i], "--config=", 9) == 0)
            found = argv[i] + 9;
    }
    return found;
}

int cli_config_argv(int argc, char **argv, int *out_argc, char ***out_argv, char *err, size_t errlen)
{
    argbuf a = {.v = calloc(MAX_ARGS + (size_t)argc + 1, sizeof(char *)),
                .where = calloc(MAX_ARGS + (size_t)argc + 1, sizeof(char *))};
    if (!a.v || !a.where) {
        free(a.v);
        free(a.where);
        return fail(err, errlen, "out of memory");
    }
    a.v[a.n] = strdup(argv[0]);
    a.where[a.n++] = NULL;
    const char *home = getenv("HOME");
    int rc = 0;
    if (home && *home) {
        char path[4096];
        snprintf(path, sizeof path, "%s/.locust.conf", home);
        rc = read_file(&a, path, false, err, errlen);
    }
    if (rc == 0) rc = read_file(&a, "locust.conf", false, err, errlen);
    const char *cfg = config_arg(argc, argv);
    if (rc == 0 && cfg) rc = read_file(&a, cfg, true, err, errlen);
    if (rc == 0) rc = read_env(&a, err, errlen);
    if (rc) {
        for (int i = 0; i < a.n; i++) {
            free(a.v[i]);
            free(a.where[i]);
        }
        free(a.v);
        free(a.where);
        return -1;
    }
    cli_config_argv_free(0, NULL, 0); /* a previous vector's origins, if any */
    origins = a;
    /* The command line last: it wins. Its strings are argv's own. */
    for (int i = 1; i < argc; i++)
        a.v[a.n++] = argv[i];
    a.v[a.n] = NULL;
    *out_argc = a.n;
    *out_argv = a.v;
    return 0;
}

void cli_config_argv_free(int all_argc, char **all_argv, int argc)
{
    if (origins.where && (all_argv == NULL || all_argv == origins.v)) {
        for (int i = 0; i < origins.n; i++)
            free(origins.where[i]);
        free(origins.where);
        origins = (argbuf){0};
    }
    if (all_argv == NULL) return;
    /* The last argc - 1 strings are the command line's own, not copies. */
    for (int i = 0; i < all_argc - (argc - 1); i++)
        free(all_argv[i]);
    free(all_argv);
}

void cli_config_blame(int argc, char **argv, char *err, size_t errlen)
{
    if (optind <= 0 || optind > argc || !origins.where) return;
    const char *arg = argv[optind - 1], *where = NULL;
    for (int i = 0; i < origins.n && !where; i++)
        if (origins.v[i] == arg) where = origins.where[i];
    if (!where) return;
    /* Only when the message is about that argument's option (under any of its names). */
    char name[128];
    snprintf(name, sizeof name, "%.*s", (int)strcspn(arg + 2, "="), arg + 2);
    const struct option *mine = find_key(name);
    if (!mine) return;
    for (const struct option *o = cli_options_table(); o->name; o++) {
        char label[160];
        snprintf(label, sizeof label, "--%s", o->name);
        if (o->val != mine->val || !strstr(err, label)) continue;
        char msg[1024];
        snprintf(msg, sizeof msg, "%s: %s", where, err);
        snprintf(err, errlen, "%s", msg);
        return;
    }
}
