/*
 * Multipart uploads (requests' `files=`): the parts of .files, after the
 * .form fields as requests puts them, in curl's mime structure. A file
 * part is read by curl when the request is sent; the file is opened here
 * first, so a file that is missing fails the task with Python's words
 * (requests' caller opens the file and gets FileNotFoundError).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http/http_internal.h"

/* Python's exception class for an open() that failed with `err`. */
static const char *py_os_error(int err)
{
    switch (err) {
    case ENOENT:
        return "FileNotFoundError";
    case EACCES:
    case EPERM:
        return "PermissionError";
    case EISDIR:
        return "IsADirectoryError";
    default:
        return "OSError";
    }
}

/* Whether a name, file name or type would break the part's header lines. */
static bool bad_text(const char *s)
{
    return s != NULL && strpbrk(s, "\r\n") != NULL;
}

/* The last part of a path, as Python's os.path.basename(). */
static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* Checks part i and adds it to the mime; 0, LOCUST_ENOMEM or LOCUST_EINVAL with why[]. */
static int add_file(curl_mime *mime, const locust_file_part *p, size_t i, char *why, size_t n)
{
    if ((p->path == NULL) == (p->data == NULL)) {
        snprintf(why, n, ".files[%zu] ('%s') needs exactly one of .path and .data", i, p->field);
        return LOCUST_EINVAL;
    }
    if (bad_text(p->field) || bad_text(p->filename) || bad_text(p->content_type)) {
        snprintf(why, n, ".files[%zu] ('%s'): a line break in its field, file name or content type", i,
                 p->field);
        return LOCUST_EINVAL;
    }
    for (size_t j = 0; p->headers && p->headers[j]; j++) {
        const char *colon = strchr(p->headers[j], ':');
        if (bad_text(p->headers[j]) || colon == NULL || colon == p->headers[j]) {
            snprintf(why, n, ".files[%zu] ('%s'): header '%s' is not a \"Name: value\" line", i, p->field,
                     p->headers[j]);
            return LOCUST_EINVAL;
        }
    }
    if (p->path != NULL) {
        /* Python's open() refuses a directory, which open(2) would take. */
        int fd = open(p->path, O_RDONLY | O_CLOEXEC);
        struct stat st;
        if (fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
            close(fd);
            fd = -1;
            errno = EISDIR;
        }
        if (fd < 0) {
            int err = errno;
            snprintf(why, n, "%s: [Errno %d] %s: '%s'", py_os_error(err), err, strerror(err), p->path);
            return LOCUST_EINVAL;
        }
        close(fd);
    }
    curl_mimepart *part = curl_mime_addpart(mime);
    if (part == NULL || curl_mime_name(part, p->field) != CURLE_OK) return LOCUST_ENOMEM;
    CURLcode rc;
    if (p->path != NULL) {
        /* curl_mime_filedata() also sets the file name: set it after. */
        rc = curl_mime_filedata(part, p->path);
        if (rc == CURLE_OK) rc = curl_mime_filename(part, p->filename ? p->filename : base_name(p->path));
    } else {
        size_t len = p->data_len ? p->data_len : strlen(p->data);
        rc = curl_mime_data(part, p->data, len);
        /* requests names an in-memory file after its field when given no file name. */
        if (rc == CURLE_OK) rc = curl_mime_filename(part, p->filename ? p->filename : p->field);
    }
    if (rc == CURLE_OK && p->content_type) rc = curl_mime_type(part, p->content_type);
    struct curl_slist *hdrs = NULL;
    for (size_t j = 0; rc == CURLE_OK && p->headers && p->headers[j]; j++) {
        struct curl_slist *t = curl_slist_append(hdrs, p->headers[j]);
        if (t == NULL) rc = CURLE_OUT_OF_MEMORY;
        if (t != NULL) hdrs = t;
    }
    /* The part owns the list from here (take_ownership = 1). */
    if (hdrs != NULL && curl_mime_headers(part, hdrs, 1) != CURLE_OK) {
        curl_slist_free_all(hdrs);
        rc = CURLE_OUT_OF_MEMORY;
    }
    return rc == CURLE_OK ? 0 : LOCUST_ENOMEM;
}

int locust__multipart_build(locust_http *h, const locust_request_opts *o, char *why, size_t n)
{
    struct locust__http_req *q = h->req;
    curl_mime *mime = curl_mime_init(h->easy);
    if (mime == NULL) return LOCUST_ENOMEM;
    q->mime = mime;
    /* requests: the data fields first, then the files. */
    for (size_t i = 0; o->form && o->form[i] && o->form[i + 1]; i += 2) {
        curl_mimepart *part = curl_mime_addpart(mime);
        if (part == NULL || curl_mime_name(part, o->form[i]) != CURLE_OK ||
            curl_mime_data(part, o->form[i + 1], CURL_ZERO_TERMINATED) != CURLE_OK)
            return LOCUST_ENOMEM;
    }
    for (size_t i = 0; o->files[i].field != NULL; i++) {
        int rc = add_file(mime, &o->files[i], i, why, n);
        if (rc != 0) return rc;
    }
    return 0;
}
