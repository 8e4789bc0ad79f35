;; A component of three core modules that call each other, for breakpoint
;; tests: `left` and `right` have the same layout (only their name sections
;; differ), so every instruction of `left_work` sits at the same
;; module-relative pc as its twin in `right_work`.
;;
;; Each `work` calls its peer's: left_work calls right_work, which calls
;; leaf_work. `run` calls left.loop (3 iterations of left_work) and then
;; right.loop (2 iterations of right_work): left_work runs 3 times,
;; right_work 5 times, leaf_work 5 times.
(component
  (core module $leaf
    (func $leaf_work (export "work") (param i32) (result i32)
      local.get 0))

  (core module $right
    (import "peer" "work" (func $peer (param i32) (result i32)))
    (func $right_work (export "work") (param i32) (result i32)
      local.get 0
      call $peer
      i32.const 1
      i32.add)
    (func $right_loop (export "loop") (param $n i32) (result i32)
      (local $total i32)
      (loop $again
        local.get $total
        call $right_work
        local.set $total
        local.get $n
        i32.const 1
        i32.sub
        local.tee $n
        br_if $again)
      local.get $total))

  (core module $left
    (import "peer" "work" (func $peer (param i32) (result i32)))
    (func $left_work (export "work") (param i32) (result i32)
      local.get 0
      call $peer
      i32.const 1
      i32.add)
    (func $left_loop (export "loop") (param $n i32) (result i32)
      (local $total i32)
      (loop $again
        local.get $total
        call $left_work
        local.set $total
        local.get $n
        i32.const 1
        i32.sub
        local.tee $n
        br_if $again)
      local.get $total))

  (core module $main
    (import "left" "loop" (func $left_loop (param i32) (result i32)))
    (import "right" "loop" (func $right_loop (param i32) (result i32)))
    (func $main_run (export "run") (result i32)
      i32.const 3
      call $left_loop
      drop
      i32.const 2
      call $right_loop
      drop
      ;; `result<_, _>`'s `ok`.
      i32.const 0))

  (core instance $leaf (instantiate $leaf))
  (core instance $right (instantiate $right (with "peer" (instance $leaf))))
  (core instance $left (instantiate $left (with "peer" (instance $right))))
  (core instance $main (instantiate $main
    (with "left" (instance $left))
    (with "right" (instance $right))))

  (func $run (result (result)) (canon lift (core func $main "run")))
  (instance $cli-run (export "run" (func $run)))
  (export "wasi:cli/run@0.2.0" (instance $cli-run)))
