;; Threads: atomic loads, stores, read-modify-write, compare and exchange,
;; fence and notify, on one thread. The memory is not shared (so there is
;; no `memory.atomic.wait32`, which traps on it): like
;; `wasmtime run`, wasmdebug validates shared memories but does not create
;; them (Wasmtime's `Config::shared_memory` is off by default).
(module $threads
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))

  ;; Memory 0: the iovec at 0, the line being built from 16 up
  ;; to $end, digits at 200..240, the program's strings from 256, the
  ;; atomic counters at 512.
  (memory $memory (export "memory") 1)
  (global $end (mut i32) (i32.const 16))

  (func $text (param $at i32) (param $len i32)
    (memory.copy (global.get $end) (local.get $at) (local.get $len))
    (global.set $end (i32.add (global.get $end) (local.get $len))))

  (func $char (param $c i32)
    (i32.store8 (global.get $end) (local.get $c))
    (global.set $end (i32.add (global.get $end) (i32.const 1))))

  (func $number (param $n i64)
    (local $digits i32)
    (if (i64.lt_s (local.get $n) (i64.const 0))
      (then
        (call $char (i32.const 45))
        (local.set $n (i64.sub (i64.const 0) (local.get $n)))))
    (local.set $digits (i32.const 240))
    (loop $next
      (local.set $digits (i32.sub (local.get $digits) (i32.const 1)))
      (i32.store8 (local.get $digits)
        (i32.wrap_i64 (i64.add (i64.const 48) (i64.rem_u (local.get $n) (i64.const 10)))))
      (local.set $n (i64.div_u (local.get $n) (i64.const 10)))
      (br_if $next (i64.ne (local.get $n) (i64.const 0))))
    (call $text (local.get $digits) (i32.sub (i32.const 240) (local.get $digits))))

  ;; Ends the line and writes it to stdout.
  (func $write_line
    (call $char (i32.const 10))
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.sub (global.get $end) (i32.const 16)))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (global.set $end (i32.const 16)))
  (data (i32.const 256) "threads: add ")
  (data (i32.const 272) ", cmpxchg ")
  (data (i32.const 284) ", xchg ")
  (data (i32.const 292) ", notify ")

  (func $_start (export "_start")
    (i32.atomic.store (i32.const 512) (i32.const 5))
    (call $text (i32.const 256) (i32.const 13))
    (call $number (i64.extend_i32_s (i32.atomic.rmw.add (i32.const 512) (i32.const 7))))
    (call $char (i32.const 32))
    (call $number (i64.extend_i32_s (i32.atomic.load (i32.const 512))))
    (call $text (i32.const 272) (i32.const 10))
    (call $number (i64.extend_i32_s
      (i32.atomic.rmw.cmpxchg (i32.const 512) (i32.const 12) (i32.const 99))))
    (call $char (i32.const 32))
    (call $number (i64.extend_i32_s (i32.atomic.load (i32.const 512))))
    (call $text (i32.const 284) (i32.const 7))
    (i64.atomic.store (i32.const 520) (i64.const 1234567890123))
    (call $number (i64.atomic.rmw.xchg (i32.const 520) (i64.const 42)))
    (atomic.fence)
    (call $text (i32.const 292) (i32.const 9))
    (call $number (i64.extend_i32_u (memory.atomic.notify (i32.const 512) (i32.const 1))))
    (call $write_line)
    (call $proc_exit (i32.const 0)))
)
