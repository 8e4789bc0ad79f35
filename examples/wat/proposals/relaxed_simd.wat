;; Relaxed SIMD, on inputs where every allowed result is the same: in-range
;; truncation, exact fused or unfused multiply-add, in-range swizzle,
;; all-or-nothing lane selection, and a dot product with 7-bit operands.
(module $relaxed_simd
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
  (data (i32.const 256) "relaxed simd: trunc ")
  (data (i32.const 280) ", madd ")
  (data (i32.const 288) ", swizzle ")
  (data (i32.const 300) ", laneselect ")
  (data (i32.const 316) ", dot ")

  (func $lanes (param $v v128)
    (call $number (i64.extend_i32_s (i32x4.extract_lane 0 (local.get $v))))
    (call $char (i32.const 32))
    (call $number (i64.extend_i32_s (i32x4.extract_lane 1 (local.get $v))))
    (call $char (i32.const 32))
    (call $number (i64.extend_i32_s (i32x4.extract_lane 2 (local.get $v))))
    (call $char (i32.const 32))
    (call $number (i64.extend_i32_s (i32x4.extract_lane 3 (local.get $v)))))

  (func $_start (export "_start")
    (call $text (i32.const 256) (i32.const 20))
    (call $lanes (i32x4.relaxed_trunc_f32x4_s (v128.const f32x4 1.5 -2.5 100.75 -7)))
    (call $text (i32.const 280) (i32.const 7))
    (call $lanes (i32x4.trunc_sat_f32x4_s
      (f32x4.relaxed_madd (v128.const f32x4 2 3 4 5) (v128.const f32x4 10 10 10 10)
        (v128.const f32x4 1 2 3 4))))
    (call $text (i32.const 288) (i32.const 10))
    (call $lanes (i8x16.relaxed_swizzle
      (v128.const i32x4 1 2 3 4)
      (v128.const i8x16 12 13 14 15 8 9 10 11 4 5 6 7 0 1 2 3)))
    (call $text (i32.const 300) (i32.const 13))
    (call $lanes (i32x4.relaxed_laneselect
      (v128.const i32x4 1 2 3 4) (v128.const i32x4 5 6 7 8) (v128.const i32x4 -1 0 -1 0)))
    (call $text (i32.const 316) (i32.const 6))
    (call $number (i64.extend_i32_s (i16x8.extract_lane_s 0
      (i16x8.relaxed_dot_i8x16_i7x16_s
        (v128.const i8x16 -3 4 0 0 0 0 0 0 0 0 0 0 0 0 0 0)
        (v128.const i8x16 100 5 0 0 0 0 0 0 0 0 0 0 0 0 0 0)))))
    (call $write_line)
    (call $proc_exit (i32.const 0)))
)
