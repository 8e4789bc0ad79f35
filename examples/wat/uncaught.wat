;; A Wasm exception that nothing catches: `$throw_it` throws `$fatal` from
;; inside a `try_table` that catches only `$other`, so the program ends as a
;; trap would (exit status 134).
(module $uncaught
  (tag $fatal (param i32))
  (tag $other)

  (func $throw_it (param $n i32)
    (throw $fatal (local.get $n)))

  (func $guarded
    (block $skip
      (try_table (catch $other $skip)
        (call $throw_it (i32.const 7)))))

  (func $_start (export "_start")
    (call $guarded))
)
