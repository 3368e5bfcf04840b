/*
 * Whole files, written so that a reader never sees half of one: through
 * "<path>.tmp<pid>" and a rename, which replaces the old file at once.
 */
#include "file_write.h"

#include <errno.h>
#include <limits.h>
#include <locust/locust.h>
#include <string.h>
#include <unistd.h>

int cli_write_file(const char *path, int (*write)(void *ctx, FILE *f), void *ctx, char *err, size_t errlen)
{
    char tmp[PATH_MAX + 32];
    if (snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid()) >= (int)sizeof tmp) {
        snprintf(err, errlen, "cannot write %s: the path is too long", path);
        return -ENAMETOOLONG;
    }
    FILE *f = fopen(tmp, "w");
    if (!f) {
        int e = errno;
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(e));
        return -e;
    }
    /* The writer's own error, when it has one, is the first cause; then the stream's. */
    int rc = write(ctx, f);
    if ((fflush(f) != 0 || ferror(f)) && rc == 0) rc = -(errno ? errno : EIO);
    if (fclose(f) != 0 && rc == 0) rc = -(errno ? errno : EIO);
    if (rc == 0 && rename(tmp, path) != 0) rc = -errno;
    if (rc != 0) {
        unlink(tmp);
        snprintf(err, errlen, "cannot write %s: %s", path, rc < -4000 ? locust_strerror(rc) : strerror(-rc));
    }
    return rc;
}
