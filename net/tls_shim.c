/* Debian 12's CivetWeb 1.15 loads libssl.so with dlopen() and looks up
 * OpenSSL 1.1's names, among them SSL_get_peer_certificate, which OpenSSL 3
 * only has as a macro: the lookup gives a null pointer and the first TLS
 * connection calls it. This library, named libssl.so and loaded before
 * CivetWeb looks (net/http.cpp), is what that dlopen() finds: it adds the
 * missing name and takes every other one from the real libssl.so.3. */
#include <openssl/ssl.h>

#undef SSL_get_peer_certificate
X509* SSL_get_peer_certificate(const SSL* s);
X509* SSL_get_peer_certificate(const SSL* s) { return SSL_get1_peer_certificate(s); }
