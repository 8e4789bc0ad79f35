;; Exception handling: `throw`, `try_table` with `catch`, `catch_ref` and
;; `catch_all`, and `throw_ref` rethrowing a caught exception.
(module $exceptions
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))

  ;; Memory 0: the iovec at 0, the line being built from 16 up to $end,
  ;; digits at 200..240, the program's strings from 256.
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
  (data (i32.const 256) "exceptions: caught ")
  (data (i32.const 288) ", rethrown ")
  (data (i32.const 304) ", catch_all ")

  (tag $oops (param i32))

  (func $thrower (param $n i32)
    (throw $oops (i32.add (local.get $n) (i32.const 1))))

  ;; The payload of the caught exception, doubled.
  (func $catch_value (param $n i32) (result i32)
    (block $caught (result i32)
      (try_table (catch $oops $caught)
        (call $thrower (local.get $n)))
      (i32.const -1))
    (i32.const 2)
    (i32.mul))

  ;; Catches the exception as an exnref, rethrows it with `throw_ref`, and
  ;; catches it again outside.
  (func $rethrow (param $n i32) (result i32)
    (local $exn exnref)
    (block $outer (result i32)
      (try_table (catch $oops $outer)
        (block $inner (result i32 exnref)
          (try_table (catch_ref $oops $inner)
            (call $thrower (local.get $n)))
          (unreachable))
        (local.set $exn)
        (drop)
        (throw_ref (local.get $exn)))
      (i32.const -1)))

  (func $catch_all (result i32)
    (block $any
      (try_table (catch_all $any)
        (call $thrower (i32.const 0)))
      (return (i32.const -1)))
    (i32.const 7))

  (func $_start (export "_start")
    (call $text (i32.const 256) (i32.const 19))
    (call $number (i64.extend_i32_s (call $catch_value (i32.const 20))))
    (call $text (i32.const 288) (i32.const 11))
    (call $number (i64.extend_i32_s (call $rethrow (i32.const 99))))
    (call $text (i32.const 304) (i32.const 12))
    (call $number (i64.extend_i32_s (call $catch_all)))
    (call $write_line)
    (call $proc_exit (i32.const 0)))
)
