// Linux interfaces that Swift's Glibc module does not export: epoll, and thread naming.
#ifndef LOOKOUT_CSYSTEM_H
#define LOOKOUT_CSYSTEM_H
#include <sys/epoll.h>
#include <sys/socket.h>

/// accept4(2), which glibc declares only under _GNU_SOURCE.
int lookout_accept4(int fd, struct sockaddr *address, socklen_t *length, int flags);

/// Names the calling thread (at most 15 bytes are kept), for top -H and gdb.
void lookout_set_thread_name(const char *name);

#endif
