;; Typed function references: `ref.func` into typed locals, `call_ref`,
;; `return_call_ref`, `br_on_null` and `ref.as_non_null`.
(module $function_references
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
  (data (i32.const 256) "function references: add ")
  (data (i32.const 284) ", mul ")
  (data (i32.const 292) ", null ")
  (data (i32.const 300) ", tail ")

  (type $binop (func (param i32 i32) (result i32)))
  (elem declare func $add $mul)

  (func $add (type $binop) (i32.add (local.get 0) (local.get 1)))
  (func $mul (type $binop) (i32.mul (local.get 0) (local.get 1)))

  (func $apply (param $f (ref $binop)) (param $a i32) (param $b i32) (result i32)
    (call_ref $binop (local.get $a) (local.get $b) (local.get $f)))

  ;; -1 when there is no function.
  (func $apply_or (param $f (ref null $binop)) (param $a i32) (param $b i32) (result i32)
    (block $null
      (return (call_ref $binop (local.get $a) (local.get $b)
        (br_on_null $null (local.get $f)))))
    (i32.const -1))

  (func $tail (param $f (ref null $binop)) (result i32)
    (return_call_ref $binop (i32.const 5) (i32.const 6) (ref.as_non_null (local.get $f))))

  (func $_start (export "_start")
    (local $f (ref null $binop))
    (call $text (i32.const 256) (i32.const 25))
    (call $number (i64.extend_i32_s (call $apply (ref.func $add) (i32.const 3) (i32.const 4))))
    (call $text (i32.const 284) (i32.const 6))
    (local.set $f (ref.func $mul))
    (call $number (i64.extend_i32_s (call $apply_or (local.get $f) (i32.const 3) (i32.const 4))))
    (call $text (i32.const 292) (i32.const 7))
    (call $number (i64.extend_i32_s (call $apply_or (ref.null $binop) (i32.const 3) (i32.const 4))))
    (call $text (i32.const 300) (i32.const 7))
    (call $number (i64.extend_i32_s (call $tail (local.get $f))))
    (call $write_line)
    (call $proc_exit (i32.const 0)))
)
