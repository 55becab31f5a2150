// Linux interfaces that Swift's Glibc module does not export: epoll, and thread naming.
#ifndef LOOKOUT_CSYSTEM_H
#define LOOKOUT_CSYSTEM_H
#include <sys/epoll.h>
#include <sys/socket.h>

/// accept4(2), which glibc declares only under _GNU_SOURCE.
int lookout_accept4(int fd, struct sockaddr *address, socklen_t *length, int flags);

/// Names the calling thread (at most 15 bytes are kept), for top -H and gdb.
void lookout_set_thread_name(const char *name);

/// CPUs this process may run on (sched_getaffinity), which is what `nproc` reports; sysconf
/// counts every CPU of the host even when a container or cgroup gives us two.
int lookout_available_cpus(void);

/// The calling thread's kernel id.
int lookout_gettid(void);

/// 'R' running, 'S' sleeping, 'D' waiting on I/O... for one thread of this process; 0 if unknown.
char lookout_thread_state(int tid);

#endif
