/*
 * What a hostile Dockerfile RUN step tries, one attempt per call, compiled statically at test time
 * (BuildSandboxIT) and shipped in the build context. Each attempt prints exactly one line:
 *   PROBE <name> SUCCEEDED: <what it got>    the sandbox let it through
 *   PROBE <name> BLOCKED: <why it failed>    the attempt failed
 * and the program always exits 0, so that every RUN step of the build gets its turn.
 *
 *   probe escape <name> <path-to-read> <path-to-create>   chroot escape, then read and create host files
 *   probe read <name> <path>                              read a file
 *   probe list <name> <dir>                               list a directory
 *   probe create <name> <path>                            create a file
 *   probe kill <name> <pid>                               SIGKILL a process
 *   probe connect <name> <ipv4> <port>                    TCP connect
 *   probe ids <name>                                      print the user namespace's uid map (INFO line)
 *   probe fork <name> <count>                             start count processes at once
 *   probe alloc <name> <mebibytes>                        allocate that much memory
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void blocked(const char *name, const char *what) {
    printf("PROBE %s BLOCKED: %s: %s\n", name, what, strerror(errno));
}

static void read_file(const char *name, const char *path) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) { blocked(name, path); return; }
    char buf[64];
    ssize_t n = read(fd, buf, sizeof buf);
    close(fd);
    if (n < 0) { blocked(name, path); return; }
    printf("PROBE %s SUCCEEDED: read %zd bytes of %s\n", name, n, path);
}

static void list_dir(const char *name, const char *path) {
    DIR *d = opendir(path);
    if (!d) { blocked(name, path); return; }
    printf("PROBE %s SUCCEEDED: %s holds:", name, path);
    struct dirent *e;
    while ((e = readdir(d))) printf(" %s", e->d_name);
    printf("\n");
    closedir(d);
}

static void create_file(const char *name, const char *path) {
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd < 0) { blocked(name, path); return; }
    (void) write(fd, "escaped\n", 8);
    close(fd);
    printf("PROBE %s SUCCEEDED: created %s\n", name, path);
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 3) { fprintf(stderr, "usage: probe <attempt> <name> ...\n"); return 0; }
    const char *attempt = argv[1], *name = argv[2];
    if (!strcmp(attempt, "escape") && argc >= 5) {
        /* The classic: chroot into a subdirectory while keeping the working directory outside it, climb with
           "..", and make the result the root. Under a plain chroot this reaches the host's real root. */
        mkdir("escape-dir", 0755);
        if (chroot("escape-dir") != 0) { blocked(name, "chroot(escape-dir)"); return 0; }
        for (int i = 0; i < 256; i++) (void) chdir("..");
        if (chroot(".") != 0) { blocked(name, "chroot(.)"); return 0; }
        list_dir("escape-root-listing", "/");
        read_file(name, argv[3]);
        create_file(name, argv[4]);
    } else if (!strcmp(attempt, "read") && argc >= 4) {
        read_file(name, argv[3]);
    } else if (!strcmp(attempt, "list") && argc >= 4) {
        list_dir(name, argv[3]);
    } else if (!strcmp(attempt, "create") && argc >= 4) {
        create_file(name, argv[3]);
    } else if (!strcmp(attempt, "kill") && argc >= 4) {
        pid_t pid = (pid_t) atol(argv[3]);
        if (kill(pid, SIGKILL) != 0) blocked(name, argv[3]);
        else printf("PROBE %s SUCCEEDED: killed %s\n", name, argv[3]);
    } else if (!strcmp(attempt, "connect") && argc >= 5) {
        int s = socket(AF_INET, SOCK_STREAM, 0);
        if (s < 0) { blocked(name, "socket"); return 0; }
        struct sockaddr_in a = {0};
        a.sin_family = AF_INET;
        a.sin_port = htons((unsigned short) atoi(argv[4]));
        inet_pton(AF_INET, argv[3], &a.sin_addr);
        if (connect(s, (struct sockaddr *) &a, sizeof a) != 0) blocked(name, argv[3]);
        else printf("PROBE %s SUCCEEDED: connected to %s:%s\n", name, argv[3], argv[4]);
        close(s);
    } else if (!strcmp(attempt, "fork") && argc >= 4) {
        int count = atoi(argv[3]), started = 0;
        pid_t *children = calloc((size_t) count, sizeof(pid_t));
        for (; started < count; started++) {
            pid_t pid = fork();
            if (pid == 0) { pause(); _exit(0); }
            if (pid < 0) break;
            children[started] = pid;
        }
        if (started < count) {
            char what[64];
            snprintf(what, sizeof what, "fork number %d", started + 1);
            blocked(name, what);
        } else {
            printf("PROBE %s SUCCEEDED: %d processes at once\n", name, count);
        }
        for (int i = 0; i < started; i++) kill(children[i], SIGKILL);
        for (int i = 0; i < started; i++) waitpid(children[i], NULL, 0);
    } else if (!strcmp(attempt, "alloc") && argc >= 4) {
        size_t bytes = (size_t) atol(argv[3]) << 20;
        char *p = malloc(bytes);
        if (!p) {
            blocked(name, "malloc");
        } else {
            for (size_t i = 0; i < bytes; i += 4096) p[i] = 1;
            printf("PROBE %s SUCCEEDED: %s MiB\n", name, argv[3]);
        }
    } else if (!strcmp(attempt, "ids")) {
        char map[256] = {0};
        int fd = open("/proc/self/uid_map", O_RDONLY);
        ssize_t n = fd < 0 ? -1 : read(fd, map, sizeof map - 1);
        if (n > 0) {
            for (ssize_t i = 0; i < n; i++) if (map[i] == '\n') map[i] = ' ';
            printf("PROBE %s INFO: uid_map %s\n", name, map);
        } else {
            blocked(name, "/proc/self/uid_map");
        }
    } else {
        fprintf(stderr, "probe: unknown attempt %s\n", attempt);
    }
    /* buildah's chroot isolation relays a step's output from another process; a step that exits the instant it
       printed has been seen to lose its line. Stay a moment so the relay reads it. */
    fflush(stdout);
    usleep(200000);
    return 0;
}
