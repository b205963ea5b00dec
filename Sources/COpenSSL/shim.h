#ifndef C_OPENSSL_SHIM_H
#define C_OPENSSL_SHIM_H
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

// OpenSSL spells these as macros, which Swift cannot call; each wrapper is the macro's documented expansion.

static inline long c_openssl_ctx_set_mode(SSL_CTX *context, long mode) {
    return SSL_CTX_set_mode(context, mode);
}

static inline int c_openssl_ctx_set_min_tls12(SSL_CTX *context) {
    return (int)SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
}

static inline int c_openssl_set_server_name(SSL *ssl, const char *name) {
    return (int)SSL_set_tlsext_host_name(ssl, name);
}

// A peer that closes without close_notify ends the stream like any other close (HTTP/2 framing detects a
// truncated message), rather than failing as a TLS error.
static inline void c_openssl_ctx_ignore_unexpected_eof(SSL_CTX *context) {
    SSL_CTX_set_options(context, SSL_OP_IGNORE_UNEXPECTED_EOF);
}

static int c_openssl_refuse_passphrase(char *buffer, int size, int rwflag, void *user) {
    (void)buffer; (void)size; (void)rwflag; (void)user;
    return 0;
}

// An encrypted key file fails to load with an error instead of prompting on the terminal.
static inline void c_openssl_ctx_refuse_passphrase_prompt(SSL_CTX *context) {
    SSL_CTX_set_default_passwd_cb(context, c_openssl_refuse_passphrase);
}

#endif
