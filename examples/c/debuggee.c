/*
 * debuggee.c - a small WebAssembly program for testing wasmdebug.
 *
 * The mode is chosen by argv[1] (see examples/README.md). Each mode exercises
 * something a test or a debugger session needs: recursion, a struct array,
 * a global, stdout/args/env/preopened files, exit codes, a trap and a busy loop.
 *
 * Build: clang --target=wasm32-wasi -g -O0 debuggee.c -o debuggee.wasm
 *
 * Lines ending in a MARK comment are located by tests with grep; keep the
 * marker on the same line as its statement.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct point {
    int x;
    int y;
};

/* A file-scope global the debugger can read and watch. */
int counter = 0;

/* A global string whose bytes a debugger test overwrites through `text`. */
char message[] = "hello from wasm";

/* Recursive, so a breakpoint on the base case shows a deep backtrace. */
int factorial(int n) {
    if (n <= 1) {
        return 1; /* MARK:factorial-base */
    }
    return n * factorial(n - 1);
}

/* Takes a pointer to a struct array so the debugger can read through it. */
int sum_points(const struct point *points, int count) {
    int total = 0;
    for (int i = 0; i < count; i++) {
        total += points[i].x + points[i].y;
    }
    return total; /* MARK:sum-return */
}

static int run_basic(void) {
    struct point points[4];
    int fact = factorial(5);
    printf("factorial(5) = %d\n", fact);

    for (int i = 0; i < 4; i++) { /* MARK:loop-head */
        points[i].x = i + 1;
        points[i].y = (i + 1) * 10;
        counter++; /* MARK:loop-body */
    }
    int sum = sum_points(points, 4);
    printf("sum = %d\n", sum);
    printf("counter = %d\n", counter);
    return 0;
}

/* A debugger stops here and rewrites the bytes behind `text`. */
void show_message(const char *text) {
    printf("message: %s\n", text); /* MARK:show-message */
}

static int run_args(int argc, char **argv) {
    printf("argc = %d\n", argc);
    for (int i = 0; i < argc; i++) {
        printf("argv[%d] = %s\n", i, argv[i]);
    }
    return 0;
}

static int run_env(const char *name) {
    const char *value = getenv(name);
    if (value != NULL) {
        printf("%s=%s\n", name, value);
    } else {
        printf("%s is not set\n", name);
    }
    return 0;
}

/* Copies a (preopened) file to stdout. */
static int run_cat(const char *path) {
    FILE *file = fopen(path, "rb");
    if (file == NULL) {
        fprintf(stderr, "cannot open %s\n", path);
        return 1;
    }
    char buffer[512];
    size_t n;
    while ((n = fread(buffer, 1, sizeof buffer, file)) > 0) {
        fwrite(buffer, 1, n, stdout);
    }
    fclose(file);
    return 0;
}

/* Exits from inside a helper, so the exit happens below main in the stack. */
void finish(int status) {
    exit(status);
}

/* Innermost frame of the trap backtrace: executes a Wasm `unreachable`. */
void level_two(int value) {
    if (value >= 0) {
        __builtin_trap(); /* MARK:trap */
    }
}

/* Middle frame of the trap backtrace. */
void level_one(int value) {
    level_two(value + 1);
}

/* Never set by the program: only a debugger could end the busy loop. */
volatile int stop_spinning = 0;

/* A busy loop with no calls inside, for testing interrupts. Code follows
 * the loop, so a stop that shows the end of the function is a wrong one. */
void spin_forever(void) {
    volatile unsigned long long spins = 0;
    while (!stop_spinning) {
        spins++; /* MARK:spin-body */
    }
    printf("stopped after %llu spins\n", spins); /* MARK:spin-after */
}

/* Naive recursive Fibonacci: deliberately slow, used as a CPU benchmark. */
unsigned long long fib(unsigned n) {
    if (n < 2) {
        return n;
    }
    return fib(n - 1) + fib(n - 2);
}

/* Runs once, after a long loop: a breakpoint here must not slow the loop. */
void audit(unsigned iterations, unsigned long long checksum) {
    printf("audit: %u iterations, checksum %llu\n", iterations, checksum); /* MARK:audit */
}

static void run_audit(unsigned iterations) {
    unsigned long long checksum = 0;
    for (unsigned i = 0; i < iterations; i++) {
        checksum = checksum * 31 + i; /* MARK:checksum */
    }
    audit(iterations, checksum);
}

static void usage(void) {
    fprintf(stderr,
            "usage: debuggee [basic | message | args ... | env NAME | cat PATH |"
            " exit N | trap | spin | compute N | sleep MS | audit N]\n");
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "basic";
    const char *param = argc > 2 ? argv[2] : NULL;

    if (strcmp(mode, "basic") == 0) {
        return run_basic();
    }
    if (strcmp(mode, "message") == 0) {
        show_message(message);
        return 0;
    }
    if (strcmp(mode, "args") == 0) {
        return run_args(argc, argv);
    }
    if (strcmp(mode, "trap") == 0) {
        printf("about to trap\n");
        fflush(stdout);
        level_one(1);
        return 0;
    }
    if (strcmp(mode, "spin") == 0) {
        printf("spinning\n");
        fflush(stdout);
        spin_forever();
        return 0;
    }
    if (param != NULL) {
        if (strcmp(mode, "env") == 0) {
            return run_env(param);
        }
        if (strcmp(mode, "cat") == 0) {
            return run_cat(param);
        }
        if (strcmp(mode, "exit") == 0) {
            finish(atoi(param));
            return 0;
        }
        if (strcmp(mode, "sleep") == 0) {
            int ms = atoi(param);
            usleep((useconds_t)(ms > 0 ? ms : 0) * 1000);
            printf("slept %d ms\n", ms > 0 ? ms : 0);
            return 0;
        }
        if (strcmp(mode, "compute") == 0) {
            unsigned n = (unsigned)atoi(param);
            printf("fib(%u) = %llu\n", n, fib(n));
            return 0;
        }
        if (strcmp(mode, "audit") == 0) {
            run_audit((unsigned)atoi(param));
            return 0;
        }
    }
    usage();
    return 2;
}
