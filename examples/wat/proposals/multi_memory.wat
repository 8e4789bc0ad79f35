;; Multi-memory: three memories, loads and stores naming each, and
;; `memory.copy`, `memory.size` and `memory.grow` across them.
(module $multi_memory
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
  (data (i32.const 256) "multi-memory: one ")
  (data (i32.const 276) ", two ")
  (data (i32.const 284) ", copied ")
  (data (i32.const 296) ", pages ")

  (memory $one 1)
  (memory $two 2)
  (data (memory $one) (i32.const 0) "\11\22\33\44memory one")
  (data (memory $two) (i32.const 0) "\aa\bb\cc\ddmemory two")

  ;; Copies memory one's first word to byte 16 of memory two and reads it back.
  (func $copy_across (result i32)
    (memory.copy $two $one (i32.const 16) (i32.const 0) (i32.const 4))
    (i32.load $two (i32.const 16)))

  (func $_start (export "_start")
    (call $text (i32.const 256) (i32.const 18))
    (call $number (i64.extend_i32_u (i32.load $one (i32.const 0))))
    (call $text (i32.const 276) (i32.const 6))
    (call $number (i64.extend_i32_u (i32.load $two (i32.const 0))))
    (call $text (i32.const 284) (i32.const 9))
    (call $number (i64.extend_i32_u (call $copy_across)))
    (call $text (i32.const 296) (i32.const 8))
    (drop (memory.grow $one (i32.const 2)))
    (call $number (i64.extend_i32_u (memory.size $memory)))
    (call $char (i32.const 32))
    (call $number (i64.extend_i32_u (memory.size $one)))
    (call $char (i32.const 32))
    (call $number (i64.extend_i32_u (memory.size $two)))
    (call $write_line)
    (call $proc_exit (i32.const 0)))
)
