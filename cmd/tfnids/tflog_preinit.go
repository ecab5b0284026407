package main

// TensorFlow prints its oneDNN notice from libtensorflow_framework's
// initializer, before main and before the supervising process of tflog.go
// can act, so even the first process would print it. Setting
// TF_CPP_MIN_LOG_LEVEL from here does not work: an executable's
// .preinit_array runs before any shared library's initializer, but libc's
// own initializer then resets the environment to the process's initial
// one. So when the user set no TF_CPP_MIN_LOG_LEVEL and asked for no
// TensorFlow logs (-v, --verbose, --tf-log-level), the preinit function
// points fd 2 at an anonymous memory file while the libraries initialize,
// and the executable's constructor (which runs after every library's
// initializer, before Go starts) restores fd 2 and replays what was
// captured without TensorFlow's INFO and WARNING lines (the default level,
// defaultTFLogLevel). A library initializer that aborts (LOG(FATAL), a CPU
// without the instructions the build needs) has its message replayed by a
// SIGABRT handler first, so nothing fatal is ever hidden.

/*
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static int tfnids_saved_stderr = -1;
static int tfnids_capture = -1;
static struct sigaction tfnids_old_abrt;

static int tfnids_asks_tf_logs(int argc, char **argv, char **envp) {
	for (char **e = envp; e != NULL && *e != NULL; e++) {
		if (strncmp(*e, "TF_CPP_MIN_LOG_LEVEL=", 21) == 0) return 1;
	}
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (a == NULL || strcmp(a, "--") == 0) break;
		if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0 || strcmp(a, "-verbose") == 0 ||
			strncmp(a, "--verbose=", 10) == 0 || strncmp(a, "--tf-log-level", 14) == 0 ||
			strncmp(a, "-tf-log-level", 13) == 0) {
			return 1;
		}
	}
	return 0;
}

// tfnids_hidden reports whether line is TensorFlow's INFO or WARNING line:
// "YYYY-MM-DD HH:MM:SS.ffffff: I file:line] ...".
static int tfnids_hidden(const char *line, size_t n) {
	if (n < 30 || line[4] != '-' || line[7] != '-' || line[10] != ' ') return 0;
	const char *p = memchr(line, ':', n);
	for (; p != NULL && p + 3 < line + n; p = memchr(p + 1, ':', (size_t)(line + n - p - 1))) {
		if (p[1] == ' ' && (p[2] == 'I' || p[2] == 'W') && p[3] == ' ') return 1;
	}
	return 0;
}

static void tfnids_replay(void) {
	if (tfnids_saved_stderr < 0) return;
	dup2(tfnids_saved_stderr, 2);
	close(tfnids_saved_stderr);
	tfnids_saved_stderr = -1;
	off_t size = lseek(tfnids_capture, 0, SEEK_END);
	if (size > 0) {
		char *buf = mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE, tfnids_capture, 0);
		if (buf != MAP_FAILED) {
			for (size_t at = 0; at < (size_t)size;) {
				const char *nl = memchr(buf + at, '\n', (size_t)size - at);
				size_t n = nl != NULL ? (size_t)(nl - (buf + at)) + 1 : (size_t)size - at;
				if (!tfnids_hidden(buf + at, n)) {
					ssize_t w = write(2, buf + at, n);
					(void)w;
				}
				at += n;
			}
			munmap(buf, (size_t)size);
		}
	}
	close(tfnids_capture);
	tfnids_capture = -1;
}

static void tfnids_on_abort(int sig) {
	tfnids_replay();
	sigaction(SIGABRT, &tfnids_old_abrt, NULL);
	raise(sig);
}

static void tfnids_quiet_tf_init(int argc, char **argv, char **envp) {
	if (tfnids_asks_tf_logs(argc, argv, envp)) return;
	int capture = memfd_create("tfnids-tf-init-log", MFD_CLOEXEC);
	if (capture < 0) return;
	int saved = fcntl(2, F_DUPFD_CLOEXEC, 3);
	if (saved < 0 || dup2(capture, 2) < 0) {
		close(capture);
		if (saved >= 0) close(saved);
		return;
	}
	tfnids_capture = capture;
	tfnids_saved_stderr = saved;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = tfnids_on_abort;
	sigaction(SIGABRT, &sa, &tfnids_old_abrt);
}

__attribute__((constructor))
static void tfnids_after_library_init(void) {
	if (tfnids_saved_stderr < 0) return;
	tfnids_replay();
	sigaction(SIGABRT, &tfnids_old_abrt, NULL);
}

__attribute__((section(".preinit_array"), used))
static void (*tfnids_preinit)(int, char **, char **) = tfnids_quiet_tf_init;
*/
import "C"
