#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "CSystem.h"

#include <sched.h>

int lookout_available_cpus(void) {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) != 0) return 1;
    int n = CPU_COUNT(&set);
    return n > 0 ? n : 1;
}

int lookout_gettid(void) {
    return (int)syscall(SYS_gettid);
}

char lookout_thread_state(int tid) {
    char path[64];
    char buffer[256];
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", tid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    ssize_t n = read(fd, buffer, sizeof buffer - 1);
    close(fd);
    if (n <= 0) return 0;
    buffer[n] = 0;
    /* "tid (comm) S ...": the state follows the last ')' (comm may contain ')'). */
    char *close_paren = strrchr(buffer, ')');
    if (!close_paren || close_paren[1] != ' ') return 0;
    return close_paren[2];
}
