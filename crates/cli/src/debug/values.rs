//! Wasm values as the debug world's `value`, and back.

use wasmtime::Val;

use super::bindings::wasmdebug::debugger::debuggee::Value;

pub fn to_wit(value: &Val) -> Value {
    match value {
        Val::I32(v) => Value::I32(*v as u32),
        Val::I64(v) => Value::I64(*v as u64),
        Val::F32(bits) => Value::F32(*bits),
        Val::F64(bits) => Value::F64(*bits),
        Val::V128(v) => {
            let bits = v.as_u128();
            Value::V128((bits as u64, (bits >> 64) as u64))
        }
        other => match is_null_ref(other) {
            true => Value::NullRef,
            false => Value::NonNullRef,
        },
    }
}

fn is_null_ref(value: &Val) -> bool {
    match value {
        Val::FuncRef(f) => f.is_none(),
        Val::ExternRef(r) => r.is_none(),
        Val::AnyRef(r) => r.is_none(),
        Val::ExnRef(r) => r.is_none(),
        _ => false,
    }
}

/// A WIT value as a Wasm value, for numeric types only: references cannot
/// be made up by a debugger.
pub fn from_wit(value: Value) -> Option<Val> {
    Some(match value {
        Value::I32(v) => Val::I32(v as i32),
        Value::I64(v) => Val::I64(v as i64),
        Value::F32(bits) => Val::F32(bits),
        Value::F64(bits) => Val::F64(bits),
        Value::V128((low, high)) => Val::V128((u128::from(low) | (u128::from(high) << 64)).into()),
        Value::NullRef | Value::NonNullRef => return None,
    })
}
