/* See tls_certs.h: the TLS tests' certificates, made with OpenSSL's X509 API. */
#include "tls_certs.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

void tls_certs_path(char *out, size_t n, const char *dir, const char *name, const char *ext)
{
    snprintf(out, n, "%s/%s.%s", dir, name, ext);
}

static bool add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX v3;
    X509V3_set_ctx(&v3, issuer, x, NULL, NULL, 0);
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
    bool ok = e != NULL && X509_add_ext(x, e, -1) == 1;
    X509_EXTENSION_free(e);
    return ok;
}

static bool save(const char *dir, const char *name, X509 *x, EVP_PKEY *k)
{
    char path[1024];
    tls_certs_path(path, sizeof path, dir, name, "pem");
    FILE *f = fopen(path, "w");
    bool ok = f != NULL && PEM_write_X509(f, x) == 1;
    if (f != NULL) fclose(f);
    tls_certs_path(path, sizeof path, dir, name, "key");
    f = ok ? fopen(path, "w") : NULL;
    ok = f != NULL && PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL) == 1;
    if (f != NULL) fclose(f);
    return ok;
}

/* A certificate for `cn` (with `san` unless NULL), signed by ca/ca_key (itself when NULL). */
static X509 *make(EVP_PKEY *k, const char *cn, const char *san, long from_days, long to_days, X509 *ca,
                  EVP_PKEY *ca_key, long serial)
{
    X509 *x = X509_new();
    if (x == NULL) return NULL;
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
    X509_gmtime_adj(X509_getm_notBefore(x), from_days * 86400);
    X509_gmtime_adj(X509_getm_notAfter(x), to_days * 86400);
    X509_set_pubkey(x, k);
    X509_NAME *name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x, ca ? X509_get_subject_name(ca) : name);
    bool ok = add_ext(x, ca ? ca : x, NID_basic_constraints, ca ? "critical,CA:FALSE" : "critical,CA:TRUE") &&
              (san == NULL || add_ext(x, ca ? ca : x, NID_subject_alt_name, san)) &&
              X509_sign(x, ca_key ? ca_key : k, EVP_sha256()) > 0;
    if (!ok) {
        X509_free(x);
        return NULL;
    }
    return x;
}

int tls_certs_make(const char *dir)
{
    static const struct {
        const char *name, *cn, *san;
        long from, to;
    } leaves[] = {
        {"good", "127.0.0.1", "IP:127.0.0.1,DNS:localhost", -1, 30},
        {"wrong", "wrong.example", "DNS:wrong.example", -1, 30},
        {"expired", "127.0.0.1", "IP:127.0.0.1,DNS:localhost", -30, -1},
        {"nosan", "other.example", NULL, -1, 30},
        {"client", "locust-client", NULL, -1, 30},
    };
    EVP_PKEY *ca_key = EVP_EC_gen("P-256");
    X509 *ca = ca_key ? make(ca_key, "liblocust test CA", NULL, -1, 30, NULL, NULL, 1) : NULL;
    bool ok = ca != NULL && save(dir, "ca", ca, ca_key);
    for (size_t i = 0; ok && i < sizeof leaves / sizeof leaves[0]; i++) {
        EVP_PKEY *k = EVP_EC_gen("P-256");
        X509 *x =
            k ? make(k, leaves[i].cn, leaves[i].san, leaves[i].from, leaves[i].to, ca, ca_key, (long)i + 2)
              : NULL;
        ok = x != NULL && save(dir, leaves[i].name, x, k);
        X509_free(x);
        EVP_PKEY_free(k);
    }
    X509_free(ca);
    EVP_PKEY_free(ca_key);
    return ok ? 0 : -1;
}
