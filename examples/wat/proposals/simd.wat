;; SIMD: v128 constants, lane arithmetic, shuffles, lane extraction,
;; float lanes and bitmasks.
(module $simd
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
  (data (i32.const 256) "simd: ")
  (data (i32.const 264) " | sqrt ")
  (data (i32.const 272) " | bitmask ")

  (func $lanes (param $v v128)
    (call $number (i64.extend_i32_s (i32x4.extract_lane 0 (local.get $v))))
    (call $char (i32.const 32))
    (call $number (i64.extend_i32_s (i32x4.extract_lane 1 (local.get $v))))
    (call $char (i32.const 32))
    (call $number (i64.extend_i32_s (i32x4.extract_lane 2 (local.get $v))))
    (call $char (i32.const 32))
    (call $number (i64.extend_i32_s (i32x4.extract_lane 3 (local.get $v)))))

  ;; (1 2 3 4) * 10, plus itself reversed by a shuffle.
  (func $vectors (result v128)
    (local $v v128)
    (local $reversed v128)
    (local.set $v (i32x4.mul (v128.const i32x4 1 2 3 4) (i32x4.splat (i32.const 10))))
    (local.set $reversed
      (i8x16.shuffle 12 13 14 15 8 9 10 11 4 5 6 7 0 1 2 3 (local.get $v) (local.get $v)))
    (i32x4.add (local.get $v) (i32x4.shl (local.get $reversed) (i32.const 1))))

  (func $_start (export "_start")
    (local $roots v128)
    (call $text (i32.const 256) (i32.const 6))
    (call $lanes (call $vectors))
    (call $text (i32.const 264) (i32.const 8))
    (local.set $roots (f64x2.sqrt (v128.const f64x2 16 81)))
    (call $number (i64.trunc_f64_s (f64x2.extract_lane 0 (local.get $roots))))
    (call $char (i32.const 32))
    (call $number (i64.trunc_f64_s (f64x2.extract_lane 1 (local.get $roots))))
    (call $text (i32.const 272) (i32.const 11))
    (call $number (i64.extend_i32_u
      (i32x4.bitmask (v128.const i32x4 -1 0 -5 0))))
    (call $write_line)
    (call $proc_exit (i32.const 0)))
)
