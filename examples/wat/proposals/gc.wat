;; GC: structs, arrays, i31 references, casts, and externref round trips.
;; `$values` takes a parameter of every value type, for debuggers to read.
(module $gc
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
  (data (i32.const 256) "gc: point ")
  (data (i32.const 268) ", array sum ")
  (data (i32.const 280) " len ")
  (data (i32.const 288) ", i31 ")
  (data (i32.const 296) ", cast ")

  (type $point (struct (field $x (mut i32)) (field $y i32)))
  (type $ints (array (mut i32)))
  (elem declare func $sum)

  (func $sum (param $a (ref $ints)) (result i32)
    (local $i i32)
    (local $total i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (array.len (local.get $a))))
        (local.set $total
          (i32.add (local.get $total) (array.get $ints (local.get $a) (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $total))

  ;; Does nothing with its parameters: a place to stop and read one of each type.
  (func $values
    (param $i i32) (param $l i64) (param $f f32) (param $d f64) (param $v v128)
    (param $func funcref) (param $extern externref) (param $any anyref)
    (param $struct (ref null $point)) (param $i31 i31ref) (param $array (ref null $ints))
    (param $none anyref)
    (nop))

  (func $_start (export "_start")
    (local $p (ref null $point))
    (local $a (ref null $ints))
    (local $any anyref)
    (local.set $p (struct.new $point (i32.const 3) (i32.const 4)))
    (local.set $a (array.new_fixed $ints 5 (i32.const 1) (i32.const 2) (i32.const 3)
      (i32.const 4) (i32.const 5)))
    (call $values (i32.const -5) (i64.const 7) (f32.const 1.5) (f64.const -2.25)
      (v128.const i32x4 1 2 3 4) (ref.func $sum)
      (extern.convert_any (local.get $p)) (local.get $p) (local.get $p)
      (ref.i31 (i32.const -7)) (local.get $a) (ref.null any))
    (call $text (i32.const 256) (i32.const 10))
    (struct.set $point $x (local.get $p) (i32.const 5))
    (call $number (i64.extend_i32_s (struct.get $point $x (local.get $p))))
    (call $char (i32.const 32))
    (call $number (i64.extend_i32_s (struct.get $point $y (local.get $p))))
    (call $text (i32.const 268) (i32.const 12))
    (array.set $ints (local.get $a) (i32.const 0) (i32.const 10))
    (call $number (i64.extend_i32_s (call $sum (ref.as_non_null (local.get $a)))))
    (call $text (i32.const 280) (i32.const 5))
    (call $number (i64.extend_i32_u (array.len (local.get $a))))
    (call $text (i32.const 288) (i32.const 6))
    (call $number (i64.extend_i32_s (i31.get_s (ref.i31 (i32.const -7)))))
    (call $text (i32.const 296) (i32.const 7))
    (local.set $any (any.convert_extern (extern.convert_any (local.get $p))))
    (call $number (i64.extend_i32_s
      (struct.get $point $y (ref.cast (ref $point) (local.get $any)))))
    (call $char (i32.const 32))
    (call $number (i64.extend_i32_u (ref.test (ref $ints) (local.get $any))))
    (call $write_line)
    (call $proc_exit (i32.const 0)))
)
