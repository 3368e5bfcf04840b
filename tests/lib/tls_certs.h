/*
 * Certificates for the TLS tests, made with OpenSSL when a test starts
 * (nothing in the tree expires): a CA, and server certificates it signed,
 * each written as NAME.pem and NAME.key into a directory:
 *   ca        the CA (trust it with .ca_bundle)
 *   good      for 127.0.0.1 and localhost (subjectAltName)
 *   wrong     for wrong.example only
 *   expired   for 127.0.0.1, expired a day ago
 *   nosan     no subjectAltName, common name other.example
 *   client    a client certificate (CN=locust-client)
 */
#ifndef LOCUST_TEST_TLS_CERTS_H
#define LOCUST_TEST_TLS_CERTS_H

#include <stddef.h>

/* Writes the files into `dir` (which exists); 0 or -1. */
int tls_certs_make(const char *dir);

/* dir/name.ext into out. */
void tls_certs_path(char *out, size_t n, const char *dir, const char *name, const char *ext);

#endif /* LOCUST_TEST_TLS_CERTS_H */
