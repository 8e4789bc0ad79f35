//! How a component's host call is written down: its answer (`Answer`, the
//! value the call returned, as bytes) and its arguments (`Param`, a number
//! each, to tell a replay that took another path).
//!
//! An answer is the value the guest receives, so it is all a replay needs:
//! a component's host function never writes guest memory itself, the
//! canonical ABI does that from the value. A resource is its handle's
//! number in the host's table; a replay hands the guest the same numbers
//! and never looks them up. Integers are little-endian; a list or string is
//! a u32 length and its items; an enum, flags or a variant is its WIT index.

use wasmtime::component::Resource;
use wasmtime_wasi::I32Exit;
use wasmtime_wasi::TrappableError;
use wasmtime_wasi::p2::StreamError;
use wasmtime_wasi::p2::bindings::clocks::wall_clock::Datetime;
use wasmtime_wasi::p2::bindings::filesystem::types::{
    Advice, DescriptorFlags, DescriptorStat, DescriptorType, DirectoryEntry, ErrorCode,
    MetadataHashValue, NewTimestamp, OpenFlags, PathFlags,
};
use wasmtime_wasi::p2::bindings::sockets::network::{
    ErrorCode as SocketErrorCode, IpAddress, IpAddressFamily, IpSocketAddress, Ipv4SocketAddress,
    Ipv6SocketAddress,
};
use wasmtime_wasi::p2::bindings::sockets::tcp::ShutdownType;
use wasmtime_wasi::p2::bindings::sockets::udp::{IncomingDatagram, OutgoingDatagram};
use wasmtime_wasi_io::bindings::wasi::io::streams as wit_streams;

/// A value a host call returns, written into a recording and read back.
pub trait Answer: Sized {
    fn put(&self, out: &mut Vec<u8>);
    /// `None` if `input` does not hold one.
    fn take(input: &mut &[u8]) -> Option<Self>;
}

/// An error a host call can fail with: the program's to handle, or a trap.
pub trait Failure: Sized {
    fn put_failure(&self, out: &mut Vec<u8>);
    fn take_failure(input: &mut &[u8]) -> Option<Self>;
    /// The failure that traps the program with `error`.
    fn trap(error: wasmtime::Error) -> Self;
}

/// An argument, as the number a recorded call keeps of it.
pub trait Param {
    fn param(&self) -> i64;
}

fn bytes<'a>(input: &mut &'a [u8], length: usize) -> Option<&'a [u8]> {
    let (taken, rest) = input.split_at_checked(length)?;
    *input = rest;
    Some(taken)
}

fn array<const N: usize>(input: &mut &[u8]) -> Option<[u8; N]> {
    bytes(input, N)?.try_into().ok()
}

macro_rules! integer_answers {
    ($($ty:ty),*) => {$(
        impl Answer for $ty {
            fn put(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
            fn take(input: &mut &[u8]) -> Option<Self> {
                Some(<$ty>::from_le_bytes(array(input)?))
            }
        }
        impl Param for $ty {
            fn param(&self) -> i64 {
                *self as i64
            }
        }
    )*};
}

integer_answers!(u8, u16, u32, u64, i32);

impl Param for bool {
    fn param(&self) -> i64 {
        i64::from(*self)
    }
}

impl Answer for () {
    fn put(&self, _: &mut Vec<u8>) {}
    fn take(_: &mut &[u8]) -> Option<Self> {
        Some(())
    }
}

impl Answer for bool {
    fn put(&self, out: &mut Vec<u8>) {
        out.push(u8::from(*self));
    }
    fn take(input: &mut &[u8]) -> Option<Self> {
        match u8::take(input)? {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }
}

fn put_length(out: &mut Vec<u8>, length: usize) {
    out.extend_from_slice(&(length as u32).to_le_bytes());
}

fn take_length(input: &mut &[u8]) -> Option<usize> {
    Some(u32::take(input)? as usize)
}

impl Answer for String {
    fn put(&self, out: &mut Vec<u8>) {
        put_length(out, self.len());
        out.extend_from_slice(self.as_bytes());
    }
    fn take(input: &mut &[u8]) -> Option<Self> {
        let length = take_length(input)?;
        String::from_utf8(bytes(input, length)?.to_vec()).ok()
    }
}

/// Byte lists (what a read returned) are copied whole; other lists item by
/// item.
impl Answer for Vec<u8> {
    fn put(&self, out: &mut Vec<u8>) {
        put_length(out, self.len());
        out.extend_from_slice(self);
    }
    fn take(input: &mut &[u8]) -> Option<Self> {
        let length = take_length(input)?;
        Some(bytes(input, length)?.to_vec())
    }
}

macro_rules! list_answers {
    ($($ty:ty),*) => {$(
        impl Answer for Vec<$ty> {
            fn put(&self, out: &mut Vec<u8>) {
                put_length(out, self.len());
                for item in self {
                    item.put(out);
                }
            }
            fn take(input: &mut &[u8]) -> Option<Self> {
                let length = take_length(input)?;
                // Each item takes a byte at least: a corrupt length fails
                // here, not in the allocator.
                if length > input.len() {
                    return None;
                }
                (0..length).map(|_| <$ty>::take(input)).collect()
            }
        }
    )*};
}

list_answers!(u32, String, (String, String), IncomingDatagram);

impl<T: 'static> Answer for Vec<(Resource<T>, String)> {
    fn put(&self, out: &mut Vec<u8>) {
        put_length(out, self.len());
        for (resource, name) in self {
            resource.put(out);
            name.put(out);
        }
    }
    fn take(input: &mut &[u8]) -> Option<Self> {
        let length = take_length(input)?;
        if length > input.len() {
            return None;
        }
        (0..length)
            .map(|_| Some((Resource::take(input)?, String::take(input)?)))
            .collect()
    }
}

impl<T: Answer> Answer for Option<T> {
    fn put(&self, out: &mut Vec<u8>) {
        match self {
            None => out.push(0),
            Some(value) => {
                out.push(1);
                value.put(out);
            }
        }
    }
    fn take(input: &mut &[u8]) -> Option<Self> {
        match u8::take(input)? {
            0 => Some(None),
            1 => Some(Some(T::take(input)?)),
            _ => None,
        }
    }
}

macro_rules! tuple_answers {
    ($(($($name:ident),*)),*) => {$(
        impl<$($name: Answer),*> Answer for ($($name,)*) {
            #[allow(non_snake_case)]
            fn put(&self, out: &mut Vec<u8>) {
                let ($($name,)*) = self;
                $($name.put(out);)*
            }
            fn take(input: &mut &[u8]) -> Option<Self> {
                Some(($($name::take(input)?,)*))
            }
        }
    )*};
}

tuple_answers!((A, B), (A, B, C), (A, B, C, D), (A, B, C, D, E, F, G, H));

/// A resource the host made: its number in the host's table, and whether
/// the guest owns it.
impl<T: 'static> Answer for Resource<T> {
    fn put(&self, out: &mut Vec<u8>) {
        self.rep().put(out);
        self.owned().put(out);
    }
    fn take(input: &mut &[u8]) -> Option<Self> {
        let rep = u32::take(input)?;
        Some(match bool::take(input)? {
            true => Resource::new_own(rep),
            false => Resource::new_borrow(rep),
        })
    }
}

impl<T: 'static> Param for Resource<T> {
    fn param(&self) -> i64 {
        i64::from(self.rep())
    }
}

impl<T: 'static> Param for Vec<Resource<T>> {
    fn param(&self) -> i64 {
        hash(
            self.iter()
                .flat_map(|resource| resource.rep().to_le_bytes()),
        )
    }
}

/// A string argument (a path, a host name) by its hash.
impl Param for String {
    fn param(&self) -> i64 {
        hash(self.bytes())
    }
}

/// A byte list argument (what a write writes) by its length only: hashing
/// every byte written would cost the live run.
impl Param for Vec<u8> {
    fn param(&self) -> i64 {
        self.len() as i64
    }
}

/// A stream error being converted, by its case.
impl Param for StreamError {
    fn param(&self) -> i64 {
        match self {
            StreamError::Closed => 0,
            StreamError::LastOperationFailed(_) => 1,
            StreamError::Trap(_) => 2,
        }
    }
}

impl Param for Result<(), ()> {
    fn param(&self) -> i64 {
        i64::from(self.is_err())
    }
}

/// FNV-1a.
fn hash(bytes: impl IntoIterator<Item = u8>) -> i64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in bytes {
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
    }
    hash as i64
}

/// A WIT record: its fields in WIT order.
macro_rules! record_answer {
    ($($ty:ident { $($field:ident),* })*) => {$(
        impl Answer for $ty {
            fn put(&self, out: &mut Vec<u8>) {
                $(self.$field.put(out);)*
            }
            fn take(input: &mut &[u8]) -> Option<Self> {
                Some($ty { $($field: Answer::take(input)?),* })
            }
        }
    )*};
}

record_answer! {
    Datetime { seconds, nanoseconds }
    DescriptorStat {
        type_,
        link_count,
        size,
        data_access_timestamp,
        data_modification_timestamp,
        status_change_timestamp
    }
    DirectoryEntry { type_, name }
    MetadataHashValue { lower, upper }
    IncomingDatagram { data, remote_address }
}

/// The cases of a WIT enum in WIT order: a case is written as its index.
macro_rules! enum_answer {
    ($ty:ty, [$($case:ident),* $(,)?]) => {
        impl Answer for $ty {
            fn put(&self, out: &mut Vec<u8>) {
                out.push(*self as u8);
            }
            fn take(input: &mut &[u8]) -> Option<Self> {
                const CASES: &[$ty] = &[$(<$ty>::$case),*];
                CASES.get(usize::from(u8::take(input)?)).copied()
            }
        }
        impl Param for $ty {
            fn param(&self) -> i64 {
                *self as i64
            }
        }
    };
}

enum_answer!(
    ErrorCode,
    [
        Access,
        WouldBlock,
        Already,
        BadDescriptor,
        Busy,
        Deadlock,
        Quota,
        Exist,
        FileTooLarge,
        IllegalByteSequence,
        InProgress,
        Interrupted,
        Invalid,
        Io,
        IsDirectory,
        Loop,
        TooManyLinks,
        MessageSize,
        NameTooLong,
        NoDevice,
        NoEntry,
        NoLock,
        InsufficientMemory,
        InsufficientSpace,
        NotDirectory,
        NotEmpty,
        NotRecoverable,
        Unsupported,
        NoTty,
        NoSuchDevice,
        Overflow,
        NotPermitted,
        Pipe,
        ReadOnly,
        InvalidSeek,
        TextFileBusy,
        CrossDevice,
    ]
);

enum_answer!(
    DescriptorType,
    [
        Unknown,
        BlockDevice,
        CharacterDevice,
        Directory,
        Fifo,
        SymbolicLink,
        RegularFile,
        Socket,
    ]
);

enum_answer!(
    Advice,
    [Normal, Sequential, Random, WillNeed, DontNeed, NoReuse]
);

enum_answer!(
    SocketErrorCode,
    [
        Unknown,
        AccessDenied,
        NotSupported,
        InvalidArgument,
        OutOfMemory,
        Timeout,
        ConcurrencyConflict,
        NotInProgress,
        WouldBlock,
        InvalidState,
        NewSocketLimit,
        AddressNotBindable,
        AddressInUse,
        RemoteUnreachable,
        ConnectionRefused,
        ConnectionReset,
        ConnectionAborted,
        DatagramTooLarge,
        NameUnresolvable,
        TemporaryResolverFailure,
        PermanentResolverFailure,
    ]
);

enum_answer!(IpAddressFamily, [Ipv4, Ipv6]);

enum_answer!(ShutdownType, [Receive, Send, Both]);

/// The flags in WIT order: bit i of the written byte is flag i.
const DESCRIPTOR_FLAGS: [DescriptorFlags; 6] = [
    DescriptorFlags::READ,
    DescriptorFlags::WRITE,
    DescriptorFlags::FILE_INTEGRITY_SYNC,
    DescriptorFlags::DATA_INTEGRITY_SYNC,
    DescriptorFlags::REQUESTED_WRITE_SYNC,
    DescriptorFlags::MUTATE_DIRECTORY,
];

impl Answer for DescriptorFlags {
    fn put(&self, out: &mut Vec<u8>) {
        let bits = DESCRIPTOR_FLAGS
            .iter()
            .enumerate()
            .filter(|(_, flag)| self.contains(**flag))
            .fold(0u8, |bits, (bit, _)| bits | 1 << bit);
        out.push(bits);
    }
    fn take(input: &mut &[u8]) -> Option<Self> {
        let bits = u8::take(input)?;
        if bits >> DESCRIPTOR_FLAGS.len() != 0 {
            return None;
        }
        Some(
            DESCRIPTOR_FLAGS
                .iter()
                .enumerate()
                .filter(|(bit, _)| bits & 1 << bit != 0)
                .fold(DescriptorFlags::empty(), |flags, (_, flag)| flags | *flag),
        )
    }
}

macro_rules! flags_param {
    ($($ty:ty),*) => {$(
        impl Param for $ty {
            fn param(&self) -> i64 {
                i64::from(self.as_array()[0])
            }
        }
    )*};
}

flags_param!(DescriptorFlags, PathFlags, OpenFlags);

impl Param for NewTimestamp {
    fn param(&self) -> i64 {
        let mut bytes = Vec::new();
        match self {
            NewTimestamp::NoChange => bytes.push(0),
            NewTimestamp::Now => bytes.push(1),
            NewTimestamp::Timestamp(time) => {
                bytes.push(2);
                time.put(&mut bytes);
            }
        }
        hash(bytes)
    }
}

impl Answer for IpAddress {
    fn put(&self, out: &mut Vec<u8>) {
        match self {
            IpAddress::Ipv4(address) => {
                out.push(0);
                address.put(out);
            }
            IpAddress::Ipv6(address) => {
                out.push(1);
                address.put(out);
            }
        }
    }
    fn take(input: &mut &[u8]) -> Option<Self> {
        match u8::take(input)? {
            0 => Some(IpAddress::Ipv4(Answer::take(input)?)),
            1 => Some(IpAddress::Ipv6(Answer::take(input)?)),
            _ => None,
        }
    }
}

impl Answer for IpSocketAddress {
    fn put(&self, out: &mut Vec<u8>) {
        match self {
            IpSocketAddress::Ipv4(socket) => {
                out.push(0);
                socket.port.put(out);
                socket.address.put(out);
            }
            IpSocketAddress::Ipv6(socket) => {
                out.push(1);
                socket.port.put(out);
                socket.flow_info.put(out);
                socket.address.put(out);
                socket.scope_id.put(out);
            }
        }
    }
    fn take(input: &mut &[u8]) -> Option<Self> {
        match u8::take(input)? {
            0 => Some(IpSocketAddress::Ipv4(Ipv4SocketAddress {
                port: Answer::take(input)?,
                address: Answer::take(input)?,
            })),
            1 => Some(IpSocketAddress::Ipv6(Ipv6SocketAddress {
                port: Answer::take(input)?,
                flow_info: Answer::take(input)?,
                address: Answer::take(input)?,
                scope_id: Answer::take(input)?,
            })),
            _ => None,
        }
    }
}

/// An address argument by its written bytes' hash.
impl Param for IpSocketAddress {
    fn param(&self) -> i64 {
        let mut bytes = Vec::new();
        self.put(&mut bytes);
        hash(bytes)
    }
}

impl Param for Option<IpSocketAddress> {
    fn param(&self) -> i64 {
        self.as_ref().map_or(-1, Param::param)
    }
}

/// Datagrams to send by their count and total size.
impl Param for Vec<OutgoingDatagram> {
    fn param(&self) -> i64 {
        let bytes: usize = self.iter().map(|datagram| datagram.data.len()).sum();
        ((self.len() as i64) << 32) | bytes as i64
    }
}

/// A stream error as the guest gets it: closed, or an `error` resource.
impl Answer for wit_streams::StreamError {
    fn put(&self, out: &mut Vec<u8>) {
        match self {
            wit_streams::StreamError::LastOperationFailed(error) => {
                out.push(0);
                error.put(out);
            }
            wit_streams::StreamError::Closed => out.push(1),
        }
    }
    fn take(input: &mut &[u8]) -> Option<Self> {
        match u8::take(input)? {
            0 => Some(wit_streams::StreamError::LastOperationFailed(
                Resource::take(input)?,
            )),
            1 => Some(wit_streams::StreamError::Closed),
            _ => None,
        }
    }
}

impl<T: Answer, E: Failure> Answer for Result<T, E> {
    fn put(&self, out: &mut Vec<u8>) {
        match self {
            Ok(value) => {
                out.push(0);
                value.put(out);
            }
            Err(error) => {
                out.push(1);
                error.put_failure(out);
            }
        }
    }
    fn take(input: &mut &[u8]) -> Option<Self> {
        match u8::take(input)? {
            0 => Some(Ok(T::take(input)?)),
            1 => Some(Err(E::take_failure(input)?)),
            _ => None,
        }
    }
}

/// A trap: an exit (`exit`) with its status, or any other with its message.
impl Failure for wasmtime::Error {
    fn put_failure(&self, out: &mut Vec<u8>) {
        match self.downcast_ref::<I32Exit>() {
            Some(exit) => {
                out.push(0);
                exit.0.put(out);
            }
            None => {
                out.push(1);
                format!("{self:#}").put(out);
            }
        }
    }
    fn take_failure(input: &mut &[u8]) -> Option<Self> {
        match u8::take(input)? {
            0 => Some(wasmtime::Error::new(I32Exit(i32::take(input)?))),
            1 => Some(wasmtime::Error::msg(String::take(input)?)),
            _ => None,
        }
    }
    fn trap(error: wasmtime::Error) -> Self {
        error
    }
}

/// A filesystem or socket error code, else a trap.
impl<C> Failure for TrappableError<C>
where
    C: Answer + std::error::Error + Send + Sync + 'static,
{
    fn put_failure(&self, out: &mut Vec<u8>) {
        match self.downcast_ref() {
            Some(code) => {
                out.push(0);
                code.put(out);
            }
            None => {
                out.push(1);
                format!("{self:#}").put(out);
            }
        }
    }
    fn take_failure(input: &mut &[u8]) -> Option<Self> {
        match u8::take(input)? {
            0 => Some(C::take(input)?.into()),
            1 => Some(TrappableError::trap(wasmtime::Error::msg(String::take(
                input,
            )?))),
            _ => None,
        }
    }
    fn trap(error: wasmtime::Error) -> Self {
        TrappableError::trap(error)
    }
}

/// A stream's error before the guest sees it: the failure's message is
/// kept, for the `error` resource it becomes (see `convert_stream_error`).
impl Failure for StreamError {
    fn put_failure(&self, out: &mut Vec<u8>) {
        match self {
            StreamError::Closed => out.push(0),
            StreamError::LastOperationFailed(error) => {
                out.push(1);
                format!("{error:#}").put(out);
            }
            StreamError::Trap(error) => {
                out.push(2);
                format!("{error:#}").put(out);
            }
        }
    }
    fn take_failure(input: &mut &[u8]) -> Option<Self> {
        match u8::take(input)? {
            0 => Some(StreamError::Closed),
            1 => Some(StreamError::LastOperationFailed(wasmtime::Error::msg(
                String::take(input)?,
            ))),
            2 => Some(StreamError::Trap(wasmtime::Error::msg(String::take(
                input,
            )?))),
            _ => None,
        }
    }
    fn trap(error: wasmtime::Error) -> Self {
        StreamError::Trap(error)
    }
}

/// What a replay hands back for a recorded answer: `None` if the bytes do
/// not hold a whole `R` and nothing more.
pub fn decode<R: Answer>(mut bytes: &[u8]) -> Option<R> {
    let answer = R::take(&mut bytes)?;
    bytes.is_empty().then_some(answer)
}

/// A recorded answer's bytes.
pub fn encode<R: Answer>(answer: &R) -> Box<[u8]> {
    let mut bytes = Vec::new();
    answer.put(&mut bytes);
    bytes.into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmtime_wasi::p2::FsError;

    fn round_trip<R: Answer>(answer: &R) -> R {
        decode(&encode(answer)).expect("decodes")
    }

    #[test]
    fn enums_are_written_by_their_wit_index() {
        for (index, code) in [(0, ErrorCode::Access), (36, ErrorCode::CrossDevice)] {
            assert_eq!(&*encode(&code), &[index]);
            assert_eq!(round_trip(&code), code);
        }
        assert_eq!(decode::<ErrorCode>(&[37]), None);
        assert_eq!(round_trip(&DescriptorType::Socket), DescriptorType::Socket);
    }

    #[test]
    fn values_come_back_as_they_went() {
        let stat = DescriptorStat {
            type_: DescriptorType::RegularFile,
            link_count: 1,
            size: 4096,
            data_access_timestamp: None,
            data_modification_timestamp: Some(Datetime {
                seconds: 1_700_000_000,
                nanoseconds: 5,
            }),
            status_change_timestamp: None,
        };
        let back = round_trip(&stat);
        assert_eq!(back.size, 4096);
        assert_eq!(
            back.data_modification_timestamp.map(|t| t.nanoseconds),
            Some(5)
        );
        let flags = DescriptorFlags::READ | DescriptorFlags::MUTATE_DIRECTORY;
        assert_eq!(round_trip(&flags), flags);
        let pairs = vec![("HOME".to_string(), "/".to_string())];
        assert_eq!(round_trip(&pairs), pairs);
        let read: (Vec<u8>, bool) = (b"data".to_vec(), true);
        assert_eq!(round_trip(&read), read);
    }

    #[test]
    fn resources_keep_their_number_and_ownership() {
        let stream: Resource<u8> = Resource::new_own(7);
        let back: Resource<u8> = round_trip(&stream);
        assert_eq!((back.rep(), back.owned()), (7, true));
    }

    #[test]
    fn failures_keep_what_the_guest_sees() {
        let failed: Result<u64, FsError> = Err(ErrorCode::NoEntry.into());
        let back = round_trip(&failed);
        assert!(matches!(
            back.map_err(|error| error.downcast()),
            Err(Ok(ErrorCode::NoEntry))
        ));
        let exit: Result<(), wasmtime::Error> = Err(wasmtime::Error::new(I32Exit(3)));
        let back = round_trip(&exit).unwrap_err();
        assert_eq!(back.downcast_ref::<I32Exit>().map(|exit| exit.0), Some(3));
        let closed: Result<Vec<u8>, StreamError> = Err(StreamError::Closed);
        assert!(matches!(round_trip(&closed), Err(StreamError::Closed)));
    }

    #[test]
    fn a_corrupt_answer_is_refused() {
        assert!(decode::<String>(&[9, 0, 0, 0, b'a']).is_none());
        assert!(decode::<Vec<String>>(&[255, 255, 255, 255]).is_none());
        assert!(decode::<bool>(&[2]).is_none());
        assert!(decode::<u32>(&[1, 0, 0, 0, 0]).is_none());
    }
}
