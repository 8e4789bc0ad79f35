/*
 * recurse.c - recursion to a given depth, for testing deep stacks.
 *
 * `recurse N` calls `descend` N deep and prints `depth N reached`. Its frames
 * are small, and it is linked with an 8 MiB shadow stack, so a large N (a
 * million) exhausts the runtime's call stack, a trap, long before the
 * shadow stack runs out.
 *
 * Build: clang --target=wasm32-wasi -g -O0 -Wl,-z,stack-size=8388608 recurse.c -o recurse.wasm
 *
 * Lines ending in a MARK comment are located by tests with grep.
 */
#include <stdio.h>
#include <stdlib.h>

/* Each call goes one level deeper until `depth` reaches `target`. */
int descend(int depth, int target) {
    if (depth >= target) {
        return depth; /* MARK:deepest */
    }
    return descend(depth + 1, target);
}

int main(int argc, char **argv) {
    if (argc != 2 || atoi(argv[1]) < 1) {
        fprintf(stderr, "usage: recurse DEPTH\n");
        return 2;
    }
    printf("depth %d reached\n", descend(1, atoi(argv[1])));
    return 0;
}
