// Listening address for TensorFlow's gRPC server.
//
// TensorFlow 2.18's GrpcServer always listens on the wildcard address
// ("0.0.0.0:<port>", which gRPC turns into a dual-stack "[::]:<port>"
// socket), so a worker is reachable on every interface of its machine.
// tfnids lets a worker listen on one address instead (loopback in tests and
// single-machine runs): this definition of bind() takes precedence over the
// C library's for the shared libraries the binary loads, and while
// tfnids_bind_set() is in effect it rewrites wildcard addresses to the
// chosen one. Every other bind() goes straight to the C library, and Go's
// own sockets do not call bind() through the C library at all.

#define _GNU_SOURCE
#include <dlfcn.h>
#include <netinet/in.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>

#include "server_bind.h"

static pthread_mutex_t tfnids_bind_mu = PTHREAD_MUTEX_INITIALIZER;
static int tfnids_bind_active = 0;
static struct in_addr tfnids_bind_v4;
static struct in6_addr tfnids_bind_v6;
static int tfnids_bind_count = 0;

typedef int (*bind_fn)(int, const struct sockaddr*, socklen_t);

static bind_fn real_bind(void) {
	static bind_fn fn = 0;
	if (!fn) fn = (bind_fn)dlsym(RTLD_NEXT, "bind");
	return fn;
}

void tfnids_bind_set(const unsigned char v4[4], const unsigned char v6[16]) {
	pthread_mutex_lock(&tfnids_bind_mu);
	memcpy(&tfnids_bind_v4, v4, 4);
	memcpy(&tfnids_bind_v6, v6, 16);
	tfnids_bind_count = 0;
	tfnids_bind_active = 1;
	pthread_mutex_unlock(&tfnids_bind_mu);
}

int tfnids_bind_clear(void) {
	pthread_mutex_lock(&tfnids_bind_mu);
	int n = tfnids_bind_count;
	tfnids_bind_active = 0;
	pthread_mutex_unlock(&tfnids_bind_mu);
	return n;
}

int bind(int fd, const struct sockaddr* addr, socklen_t len) {
	bind_fn fn = real_bind();
	if (!fn) return -1;
	if (addr == 0) return fn(fd, addr, len);
	pthread_mutex_lock(&tfnids_bind_mu);
	int active = tfnids_bind_active;
	struct in_addr v4 = tfnids_bind_v4;
	struct in6_addr v6 = tfnids_bind_v6;
	pthread_mutex_unlock(&tfnids_bind_mu);
	if (!active) return fn(fd, addr, len);
	if (addr->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
		struct sockaddr_in a;
		memcpy(&a, addr, sizeof a);
		if (a.sin_addr.s_addr == htonl(INADDR_ANY)) {
			a.sin_addr = v4;
			pthread_mutex_lock(&tfnids_bind_mu);
			tfnids_bind_count++;
			pthread_mutex_unlock(&tfnids_bind_mu);
			return fn(fd, (const struct sockaddr*)&a, sizeof a);
		}
	} else if (addr->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
		struct sockaddr_in6 a;
		memcpy(&a, addr, sizeof a);
		if (IN6_IS_ADDR_UNSPECIFIED(&a.sin6_addr)) {
			a.sin6_addr = v6;
			pthread_mutex_lock(&tfnids_bind_mu);
			tfnids_bind_count++;
			pthread_mutex_unlock(&tfnids_bind_mu);
			return fn(fd, (const struct sockaddr*)&a, sizeof a);
		}
	}
	return fn(fd, addr, len);
}
