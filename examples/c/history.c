/* The time-travel debuggee: values that come from outside the program (the
 * clock, random bytes, a file, stdin), a global that several functions
 * write in turn, and a crash that follows a bad write.
 *
 *   history inputs FILE [crash]
 *                         three rounds, each reading the clock, random bytes,
 *                         a byte of FILE and a byte of stdin, then printing
 *                         them; with `crash`, then the crash below
 *   history clock N       reads the clock N times (a program that reads little
 *                         but calls the host often), prints the last reading
 *   history writers       `total` written by add, then scale, then add
 *   history crash         `total` corrupted, then a trap that reads it
 *   history floats N      N rounds of floating-point arithmetic and no host
 *                         call (what canonicalizing NaNs costs a recording)
 *
 * Lines ending in a MARK comment are located by tests with grep; keep the
 * comments on the lines they name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int total = 0;

/* Prints one round of inputs; a breakpoint here shows them as arguments. */
void show(int round, long long nanos, unsigned random, int file_byte, int stdin_byte) {
    printf("round %d: clock %lld random %u file %d stdin %d\n", round, nanos, random,
           file_byte, stdin_byte); /* MARK:show */
}

static int inputs(const char *path) {
    FILE *file = fopen(path, "r");
    if (file == NULL) {
        printf("cannot open %s\n", path);
        return 1;
    }
    for (int round = 0; round < 3; round++) {
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        unsigned random;
        arc4random_buf(&random, sizeof random);
        int file_byte = fgetc(file);
        int stdin_byte = fgetc(stdin);
        show(round, (long long)now.tv_nsec, random, file_byte, stdin_byte);
    }
    fclose(file);
    return 0;
}

void add(int value) {
    total += value; /* MARK:add */
}

void scale(int factor) {
    total *= factor; /* MARK:scale */
}

void done(void) {
    printf("total = %d\n", total); /* MARK:done */
}

static int writers(void) {
    add(2);
    scale(10);
    add(1);
    done();
    return 0;
}

/* A stray write through a pointer that should have pointed elsewhere. */
void corrupt(int *where) {
    *where = -1; /* MARK:corrupt */
}

int divide(int value) {
    return 100 / (total + 1); /* MARK:crash */
}

static int crash(void) {
    printf("about to divide\n");
    fflush(stdout);
    add(5);
    corrupt(&total);
    return divide(total);
}

static int clock_often(int times) {
    struct timespec now = {0, 0};
    for (int i = 0; i < times; i++) {
        clock_gettime(CLOCK_MONOTONIC, &now);
    }
    printf("last reading: %lld s\n", (long long)now.tv_sec);
    return 0;
}

static int floats(int rounds) {
    double x = 0.5, sum = 0.0;
    for (int i = 0; i < rounds; i++) {
        x = 1.0 / (1.0 + x) + 0.25 * x;
        sum += x * x - x / 3.0;
    }
    printf("floats: %.6f\n", sum);
    return 0;
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "writers";
    if (strcmp(mode, "inputs") == 0 && argc > 2) {
        int status = inputs(argv[2]);
        if (status == 0 && argc > 3 && strcmp(argv[3], "crash") == 0) {
            return crash();
        }
        return status;
    }
    if (strcmp(mode, "clock") == 0 && argc > 2) {
        return clock_often(atoi(argv[2]));
    }
    if (strcmp(mode, "floats") == 0 && argc > 2) {
        return floats(atoi(argv[2]));
    }
    if (strcmp(mode, "writers") == 0) {
        return writers();
    }
    if (strcmp(mode, "crash") == 0) {
        return crash();
    }
    printf("usage: history [inputs FILE [crash] | clock N | writers | crash | floats N]\n");
    return 2;
}
