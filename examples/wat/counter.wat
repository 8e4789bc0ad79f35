;; A WASI command for watchpoint tests: a counter at 0x400 that `bump`
;; loads and stores three times, `peek` reads once more, and then a
;; `fd_write` of "counted\n" whose byte count the host writes at 0x28.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0x10) "counted\n")

  ;; counter += 1: one load, one store.
  (func $bump
    i32.const 0x400
    i32.const 0x400
    i32.load
    i32.const 1
    i32.add
    i32.store)

  (func $peek (result i32)
    i32.const 0x400
    i32.load)

  (func $main (export "_start")
    (local $i i32)
    (loop $again
      call $bump
      local.get $i
      i32.const 1
      i32.add
      local.tee $i
      i32.const 3
      i32.lt_u
      br_if $again)
    call $peek
    drop
    ;; One iovec at 0x20: the 8 bytes at 0x10.
    (i32.store (i32.const 0x20) (i32.const 0x10))
    (i32.store (i32.const 0x24) (i32.const 8))
    (call $fd_write (i32.const 1) (i32.const 0x20) (i32.const 1) (i32.const 0x28))
    drop))
