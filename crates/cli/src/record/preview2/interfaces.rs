//! The WASI preview 2 functions a component's recording answers: every
//! function of the command world's interfaces, each named as a recording
//! names it.

use wasmtime::component::{Linker, Resource};
use wasmtime_wasi::ResourceTable;
use wasmtime_wasi::WasiView as _;
use wasmtime_wasi::cli::{WasiCliCtxView, WasiCliView as _};
use wasmtime_wasi::clocks::{WasiClocksCtxView, WasiClocksView as _};
use wasmtime_wasi::filesystem::{WasiFilesystemCtxView, WasiFilesystemView as _};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::p2::bindings::{cli, clocks, filesystem, random, sockets};
use wasmtime_wasi::p2::{
    DynInputStream, DynOutputStream, DynPollable, FsError, SocketError, StreamError,
};
use wasmtime_wasi::random::{WasiRandomCtx, WasiRandomView as _};
use wasmtime_wasi::sockets::{WasiSocketsCtxView, WasiSocketsView as _};
use wasmtime_wasi_io::bindings::wasi::io;

use filesystem::types::{
    Advice, Descriptor, DescriptorFlags, DescriptorStat, DescriptorType, DirectoryEntry,
    DirectoryEntryStream, ErrorCode, MetadataHashValue, NewTimestamp, OpenFlags, PathFlags,
};
use sockets::ip_name_lookup::ResolveAddressStream;
use sockets::network::{IpAddress, IpAddressFamily, IpSocketAddress, Network};
use sockets::tcp::{ShutdownType, TcpSocket};
use sockets::udp::{
    IncomingDatagram, IncomingDatagramStream, OutgoingDatagram, OutgoingDatagramStream, UdpSocket,
};

use super::answer::Param;
use super::{P2, Recorded, Recorder, view};

fn filesystem_view(wasi: &mut WasiP1Ctx) -> WasiFilesystemCtxView<'_> {
    wasi.filesystem()
}

fn cli_view(wasi: &mut WasiP1Ctx) -> WasiCliCtxView<'_> {
    wasi.cli()
}

fn clocks_view(wasi: &mut WasiP1Ctx) -> WasiClocksCtxView<'_> {
    wasi.clocks()
}

fn random_view(wasi: &mut WasiP1Ctx) -> &mut WasiRandomCtx {
    wasi.random()
}

fn io_view(wasi: &mut WasiP1Ctx) -> &mut ResourceTable {
    wasi.ctx().table
}

fn sockets_view(wasi: &mut WasiP1Ctx) -> WasiSocketsCtxView<'_> {
    wasi.sockets()
}

/// Implements a WASI host trait for `P2`: each method live through `$view`'s
/// implementation, recorded, or replayed; a drop recorded only when it
/// fails. Also makes
/// `Function`, the recorded functions by number, and their `NAMES`.
macro_rules! recorded {
    ($(
        impl $trait:path => $view:ident {
            $( fn [$label:ident] $name:ident($($arg:ident: $ty:ty),*) -> $ok:ty, $err:ty; )*
            $( async fn [$alabel:ident] $aname:ident($($aarg:ident: $aty:ty),*) -> $aok:ty, $aerr:ty; )*
            $( drop($dty:ty); )?
            $( async drop($adty:ty); )?
            $( by hand { $($extra:item)* } )?
        }
    )*) => {
        /// Every recorded function, by the number a recorded call names it with.
        #[derive(Clone, Copy)]
        #[allow(non_camel_case_types)]
        pub enum Function {
            $( $( $label, )* $( $alabel, )* )*
            stdout_get_stdout,
            stderr_get_stderr,
            output_stream_write,
            output_stream_blocking_write_and_flush,
            streams_convert_stream_error,
            resource_drop_failed,
        }

        /// The recorded functions' names, by `Function` number.
        pub const NAMES: &[&str] = &[
            $( $( stringify!($label), )* $( stringify!($alabel), )* )*
            "stdout_get_stdout",
            "stderr_get_stderr",
            "output_stream_write",
            "output_stream_blocking_write_and_flush",
            "streams_convert_stream_error",
            "resource_drop_failed",
        ];

        $(
            impl $trait for P2<'_> {
                $(
                    fn $name(&mut self, $($arg: $ty),*) -> Result<$ok, $err> {
                        let params: &[i64] = &[$(Param::param(&$arg)),*];
                        if let Some(answer) = self.replayed(Function::$label, params) {
                            return answer;
                        }
                        let answer = <_ as $trait>::$name(&mut $view(self.wasi), $($arg),*);
                        self.record(Function::$label, params, &answer);
                        answer
                    }
                )*
                $(
                    async fn $aname(&mut self, $($aarg: $aty),*) -> Result<$aok, $aerr> {
                        let params: &[i64] = &[$(Param::param(&$aarg)),*];
                        if let Some(answer) = self.replayed(Function::$alabel, params) {
                            return answer;
                        }
                        let answer =
                            <_ as $trait>::$aname(&mut $view(self.wasi), $($aarg),*).await;
                        self.record(Function::$alabel, params, &answer);
                        answer
                    }
                )*
                $(
                    fn drop(&mut self, resource: Resource<$dty>) -> wasmtime::Result<()> {
                        let params: &[i64] = &[resource.param()];
                        if self.is_replay() {
                            return self.replayed_drop(params);
                        }
                        let outcome = <_ as $trait>::drop(&mut $view(self.wasi), resource);
                        self.record_drop(params, &outcome);
                        outcome
                    }
                )?
                $(
                    async fn drop(&mut self, resource: Resource<$adty>) -> wasmtime::Result<()> {
                        let params: &[i64] = &[resource.param()];
                        if self.is_replay() {
                            return self.replayed_drop(params);
                        }
                        let outcome = <_ as $trait>::drop(&mut $view(self.wasi), resource).await;
                        self.record_drop(params, &outcome);
                        outcome
                    }
                )?
                $( $($extra)* )?
            }
        )*
    };
}

recorded! {
    impl filesystem::types::Host => filesystem_view {
        fn [filesystem_error_code] filesystem_error_code(error: Resource<wasmtime::Error>)
            -> Option<ErrorCode>, wasmtime::Error;
        by hand {
            // A conversion of an error the host already answered with.
            fn convert_error_code(&mut self, error: FsError) -> wasmtime::Result<ErrorCode> {
                error.downcast()
            }
        }
    }

    impl filesystem::types::HostDescriptor => filesystem_view {
        fn [descriptor_read_via_stream] read_via_stream(fd: Resource<Descriptor>, offset: u64)
            -> Resource<DynInputStream>, FsError;
        fn [descriptor_write_via_stream] write_via_stream(fd: Resource<Descriptor>, offset: u64)
            -> Resource<DynOutputStream>, FsError;
        fn [descriptor_append_via_stream] append_via_stream(fd: Resource<Descriptor>)
            -> Resource<DynOutputStream>, FsError;
        async fn [descriptor_advise] advise(
            fd: Resource<Descriptor>, offset: u64, length: u64, advice: Advice
        ) -> (), FsError;
        async fn [descriptor_sync_data] sync_data(fd: Resource<Descriptor>) -> (), FsError;
        async fn [descriptor_get_flags] get_flags(fd: Resource<Descriptor>)
            -> DescriptorFlags, FsError;
        async fn [descriptor_get_type] get_type(fd: Resource<Descriptor>)
            -> DescriptorType, FsError;
        async fn [descriptor_set_size] set_size(fd: Resource<Descriptor>, size: u64) -> (), FsError;
        async fn [descriptor_set_times] set_times(
            fd: Resource<Descriptor>, access: NewTimestamp, modification: NewTimestamp
        ) -> (), FsError;
        async fn [descriptor_read] read(fd: Resource<Descriptor>, length: u64, offset: u64)
            -> (Vec<u8>, bool), FsError;
        async fn [descriptor_write] write(fd: Resource<Descriptor>, buffer: Vec<u8>, offset: u64)
            -> u64, FsError;
        async fn [descriptor_read_directory] read_directory(fd: Resource<Descriptor>)
            -> Resource<DirectoryEntryStream>, FsError;
        async fn [descriptor_sync] sync(fd: Resource<Descriptor>) -> (), FsError;
        async fn [descriptor_create_directory_at] create_directory_at(
            fd: Resource<Descriptor>, path: String
        ) -> (), FsError;
        async fn [descriptor_stat] stat(fd: Resource<Descriptor>) -> DescriptorStat, FsError;
        async fn [descriptor_stat_at] stat_at(
            fd: Resource<Descriptor>, flags: PathFlags, path: String
        ) -> DescriptorStat, FsError;
        async fn [descriptor_set_times_at] set_times_at(
            fd: Resource<Descriptor>, flags: PathFlags, path: String,
            access: NewTimestamp, modification: NewTimestamp
        ) -> (), FsError;
        async fn [descriptor_link_at] link_at(
            fd: Resource<Descriptor>, old_flags: PathFlags, old_path: String,
            new_fd: Resource<Descriptor>, new_path: String
        ) -> (), FsError;
        async fn [descriptor_open_at] open_at(
            fd: Resource<Descriptor>, path_flags: PathFlags, path: String,
            open_flags: OpenFlags, flags: DescriptorFlags
        ) -> Resource<Descriptor>, FsError;
        async fn [descriptor_readlink_at] readlink_at(fd: Resource<Descriptor>, path: String)
            -> String, FsError;
        async fn [descriptor_remove_directory_at] remove_directory_at(
            fd: Resource<Descriptor>, path: String
        ) -> (), FsError;
        async fn [descriptor_rename_at] rename_at(
            fd: Resource<Descriptor>, old_path: String, new_fd: Resource<Descriptor>,
            new_path: String
        ) -> (), FsError;
        async fn [descriptor_symlink_at] symlink_at(
            fd: Resource<Descriptor>, old_path: String, new_path: String
        ) -> (), FsError;
        async fn [descriptor_unlink_file_at] unlink_file_at(fd: Resource<Descriptor>, path: String)
            -> (), FsError;
        async fn [descriptor_is_same_object] is_same_object(
            fd: Resource<Descriptor>, other: Resource<Descriptor>
        ) -> bool, wasmtime::Error;
        async fn [descriptor_metadata_hash] metadata_hash(fd: Resource<Descriptor>)
            -> MetadataHashValue, FsError;
        async fn [descriptor_metadata_hash_at] metadata_hash_at(
            fd: Resource<Descriptor>, flags: PathFlags, path: String
        ) -> MetadataHashValue, FsError;
        drop(Descriptor);
    }

    impl filesystem::types::HostDirectoryEntryStream => filesystem_view {
        async fn [directory_entry_stream_read_directory_entry] read_directory_entry(
            stream: Resource<DirectoryEntryStream>
        ) -> Option<DirectoryEntry>, FsError;
        drop(DirectoryEntryStream);
    }

    impl filesystem::preopens::Host => filesystem_view {
        fn [preopens_get_directories] get_directories()
            -> Vec<(Resource<Descriptor>, String)>, wasmtime::Error;
    }

    impl cli::environment::Host => cli_view {
        fn [environment_get_environment] get_environment()
            -> Vec<(String, String)>, wasmtime::Error;
        fn [environment_get_arguments] get_arguments() -> Vec<String>, wasmtime::Error;
        fn [environment_initial_cwd] initial_cwd() -> Option<String>, wasmtime::Error;
    }

    impl cli::exit::Host => cli_view {
        fn [exit_exit] exit(status: Result<(), ()>) -> (), wasmtime::Error;
        fn [exit_exit_with_code] exit_with_code(status: u8) -> (), wasmtime::Error;
    }

    impl cli::stdin::Host => cli_view {
        fn [stdin_get_stdin] get_stdin() -> Resource<DynInputStream>, wasmtime::Error;
    }

    impl cli::terminal_input::Host => cli_view {}

    impl cli::terminal_input::HostTerminalInput => cli_view {
        drop(cli::terminal_input::TerminalInput);
    }

    impl cli::terminal_output::Host => cli_view {}

    impl cli::terminal_output::HostTerminalOutput => cli_view {
        drop(cli::terminal_output::TerminalOutput);
    }

    impl cli::terminal_stdin::Host => cli_view {
        fn [terminal_stdin_get_terminal_stdin] get_terminal_stdin()
            -> Option<Resource<cli::terminal_input::TerminalInput>>, wasmtime::Error;
    }

    impl cli::terminal_stdout::Host => cli_view {
        fn [terminal_stdout_get_terminal_stdout] get_terminal_stdout()
            -> Option<Resource<cli::terminal_output::TerminalOutput>>, wasmtime::Error;
    }

    impl cli::terminal_stderr::Host => cli_view {
        fn [terminal_stderr_get_terminal_stderr] get_terminal_stderr()
            -> Option<Resource<cli::terminal_output::TerminalOutput>>, wasmtime::Error;
    }

    impl clocks::wall_clock::Host => clocks_view {
        fn [wall_clock_now] now() -> clocks::wall_clock::Datetime, wasmtime::Error;
        fn [wall_clock_resolution] resolution() -> clocks::wall_clock::Datetime, wasmtime::Error;
    }

    impl clocks::monotonic_clock::Host => clocks_view {
        fn [monotonic_clock_now] now() -> u64, wasmtime::Error;
        fn [monotonic_clock_resolution] resolution() -> u64, wasmtime::Error;
        fn [monotonic_clock_subscribe_instant] subscribe_instant(when: u64)
            -> Resource<DynPollable>, wasmtime::Error;
        fn [monotonic_clock_subscribe_duration] subscribe_duration(when: u64)
            -> Resource<DynPollable>, wasmtime::Error;
    }

    impl random::random::Host => random_view {
        fn [random_get_random_bytes] get_random_bytes(length: u64) -> Vec<u8>, wasmtime::Error;
        fn [random_get_random_u64] get_random_u64() -> u64, wasmtime::Error;
    }

    impl random::insecure::Host => random_view {
        fn [insecure_get_insecure_random_bytes] get_insecure_random_bytes(length: u64)
            -> Vec<u8>, wasmtime::Error;
        fn [insecure_get_insecure_random_u64] get_insecure_random_u64() -> u64, wasmtime::Error;
    }

    impl random::insecure_seed::Host => random_view {
        fn [insecure_seed_insecure_seed] insecure_seed() -> (u64, u64), wasmtime::Error;
    }

    impl sockets::network::Host => sockets_view {
        fn [network_network_error_code] network_error_code(error: Resource<wasmtime::Error>)
            -> Option<sockets::network::ErrorCode>, wasmtime::Error;
        by hand {
            // A conversion of an error the host already answered with.
            fn convert_error_code(
                &mut self,
                error: SocketError,
            ) -> wasmtime::Result<sockets::network::ErrorCode> {
                error.downcast()
            }
        }
    }

    impl sockets::network::HostNetwork => sockets_view {
        drop(Network);
    }

    impl sockets::instance_network::Host => sockets_view {
        fn [instance_network_instance_network] instance_network()
            -> Resource<Network>, wasmtime::Error;
    }

    impl sockets::tcp_create_socket::Host => sockets_view {
        fn [tcp_create_socket_create_tcp_socket] create_tcp_socket(family: IpAddressFamily)
            -> Resource<TcpSocket>, SocketError;
    }

    impl sockets::udp_create_socket::Host => sockets_view {
        async fn [udp_create_socket_create_udp_socket] create_udp_socket(family: IpAddressFamily)
            -> Resource<UdpSocket>, SocketError;
    }

    impl sockets::tcp::Host => sockets_view {}

    impl sockets::tcp::HostTcpSocket => sockets_view {
        fn [tcp_socket_finish_bind] finish_bind(socket: Resource<TcpSocket>) -> (), SocketError;
        fn [tcp_socket_start_connect] start_connect(
            socket: Resource<TcpSocket>, network: Resource<Network>, remote: IpSocketAddress
        ) -> (), SocketError;
        fn [tcp_socket_finish_connect] finish_connect(socket: Resource<TcpSocket>)
            -> (Resource<DynInputStream>, Resource<DynOutputStream>), SocketError;
        fn [tcp_socket_finish_listen] finish_listen(socket: Resource<TcpSocket>) -> (), SocketError;
        fn [tcp_socket_accept] accept(socket: Resource<TcpSocket>)
            -> (Resource<TcpSocket>, Resource<DynInputStream>, Resource<DynOutputStream>),
               SocketError;
        fn [tcp_socket_local_address] local_address(socket: Resource<TcpSocket>)
            -> IpSocketAddress, SocketError;
        fn [tcp_socket_remote_address] remote_address(socket: Resource<TcpSocket>)
            -> IpSocketAddress, SocketError;
        fn [tcp_socket_is_listening] is_listening(socket: Resource<TcpSocket>)
            -> bool, wasmtime::Error;
        fn [tcp_socket_address_family] address_family(socket: Resource<TcpSocket>)
            -> IpAddressFamily, wasmtime::Error;
        fn [tcp_socket_set_listen_backlog_size] set_listen_backlog_size(
            socket: Resource<TcpSocket>, size: u64
        ) -> (), SocketError;
        fn [tcp_socket_keep_alive_enabled] keep_alive_enabled(socket: Resource<TcpSocket>)
            -> bool, SocketError;
        fn [tcp_socket_set_keep_alive_enabled] set_keep_alive_enabled(
            socket: Resource<TcpSocket>, enabled: bool
        ) -> (), SocketError;
        fn [tcp_socket_keep_alive_idle_time] keep_alive_idle_time(socket: Resource<TcpSocket>)
            -> u64, SocketError;
        fn [tcp_socket_set_keep_alive_idle_time] set_keep_alive_idle_time(
            socket: Resource<TcpSocket>, time: u64
        ) -> (), SocketError;
        fn [tcp_socket_keep_alive_interval] keep_alive_interval(socket: Resource<TcpSocket>)
            -> u64, SocketError;
        fn [tcp_socket_set_keep_alive_interval] set_keep_alive_interval(
            socket: Resource<TcpSocket>, interval: u64
        ) -> (), SocketError;
        fn [tcp_socket_keep_alive_count] keep_alive_count(socket: Resource<TcpSocket>)
            -> u32, SocketError;
        fn [tcp_socket_set_keep_alive_count] set_keep_alive_count(
            socket: Resource<TcpSocket>, count: u32
        ) -> (), SocketError;
        fn [tcp_socket_hop_limit] hop_limit(socket: Resource<TcpSocket>) -> u8, SocketError;
        fn [tcp_socket_set_hop_limit] set_hop_limit(socket: Resource<TcpSocket>, limit: u8)
            -> (), SocketError;
        fn [tcp_socket_receive_buffer_size] receive_buffer_size(socket: Resource<TcpSocket>)
            -> u64, SocketError;
        fn [tcp_socket_set_receive_buffer_size] set_receive_buffer_size(
            socket: Resource<TcpSocket>, size: u64
        ) -> (), SocketError;
        fn [tcp_socket_send_buffer_size] send_buffer_size(socket: Resource<TcpSocket>)
            -> u64, SocketError;
        fn [tcp_socket_set_send_buffer_size] set_send_buffer_size(
            socket: Resource<TcpSocket>, size: u64
        ) -> (), SocketError;
        fn [tcp_socket_subscribe] subscribe(socket: Resource<TcpSocket>)
            -> Resource<DynPollable>, wasmtime::Error;
        fn [tcp_socket_shutdown] shutdown(socket: Resource<TcpSocket>, how: ShutdownType)
            -> (), SocketError;
        async fn [tcp_socket_start_bind] start_bind(
            socket: Resource<TcpSocket>, network: Resource<Network>, local: IpSocketAddress
        ) -> (), SocketError;
        async fn [tcp_socket_start_listen] start_listen(socket: Resource<TcpSocket>)
            -> (), SocketError;
        drop(TcpSocket);
    }

    impl sockets::udp::Host => sockets_view {}

    impl sockets::udp::HostUdpSocket => sockets_view {
        fn [udp_socket_finish_bind] finish_bind(socket: Resource<UdpSocket>) -> (), SocketError;
        fn [udp_socket_local_address] local_address(socket: Resource<UdpSocket>)
            -> IpSocketAddress, SocketError;
        fn [udp_socket_remote_address] remote_address(socket: Resource<UdpSocket>)
            -> IpSocketAddress, SocketError;
        fn [udp_socket_address_family] address_family(socket: Resource<UdpSocket>)
            -> IpAddressFamily, wasmtime::Error;
        fn [udp_socket_unicast_hop_limit] unicast_hop_limit(socket: Resource<UdpSocket>)
            -> u8, SocketError;
        fn [udp_socket_set_unicast_hop_limit] set_unicast_hop_limit(
            socket: Resource<UdpSocket>, limit: u8
        ) -> (), SocketError;
        fn [udp_socket_receive_buffer_size] receive_buffer_size(socket: Resource<UdpSocket>)
            -> u64, SocketError;
        fn [udp_socket_set_receive_buffer_size] set_receive_buffer_size(
            socket: Resource<UdpSocket>, size: u64
        ) -> (), SocketError;
        fn [udp_socket_send_buffer_size] send_buffer_size(socket: Resource<UdpSocket>)
            -> u64, SocketError;
        fn [udp_socket_set_send_buffer_size] set_send_buffer_size(
            socket: Resource<UdpSocket>, size: u64
        ) -> (), SocketError;
        fn [udp_socket_subscribe] subscribe(socket: Resource<UdpSocket>)
            -> Resource<DynPollable>, wasmtime::Error;
        async fn [udp_socket_start_bind] start_bind(
            socket: Resource<UdpSocket>, network: Resource<Network>, local: IpSocketAddress
        ) -> (), SocketError;
        async fn [udp_socket_stream] stream(
            socket: Resource<UdpSocket>, remote: Option<IpSocketAddress>
        ) -> (Resource<IncomingDatagramStream>, Resource<OutgoingDatagramStream>), SocketError;
        drop(UdpSocket);
    }

    impl sockets::udp::HostIncomingDatagramStream => sockets_view {
        fn [incoming_datagram_stream_receive] receive(
            stream: Resource<IncomingDatagramStream>, count: u64
        ) -> Vec<IncomingDatagram>, SocketError;
        fn [incoming_datagram_stream_subscribe] subscribe(
            stream: Resource<IncomingDatagramStream>
        ) -> Resource<DynPollable>, wasmtime::Error;
        drop(IncomingDatagramStream);
    }

    impl sockets::udp::HostOutgoingDatagramStream => sockets_view {
        fn [outgoing_datagram_stream_check_send] check_send(
            stream: Resource<OutgoingDatagramStream>
        ) -> u64, SocketError;
        fn [outgoing_datagram_stream_send] send(
            stream: Resource<OutgoingDatagramStream>, datagrams: Vec<OutgoingDatagram>
        ) -> u64, SocketError;
        fn [outgoing_datagram_stream_subscribe] subscribe(
            stream: Resource<OutgoingDatagramStream>
        ) -> Resource<DynPollable>, wasmtime::Error;
        async drop(OutgoingDatagramStream);
    }

    impl sockets::ip_name_lookup::Host => sockets_view {
        fn [ip_name_lookup_resolve_addresses] resolve_addresses(
            network: Resource<Network>, name: String
        ) -> Resource<ResolveAddressStream>, SocketError;
    }

    impl sockets::ip_name_lookup::HostResolveAddressStream => sockets_view {
        fn [resolve_address_stream_resolve_next_address] resolve_next_address(
            stream: Resource<ResolveAddressStream>
        ) -> Option<IpAddress>, SocketError;
        fn [resolve_address_stream_subscribe] subscribe(stream: Resource<ResolveAddressStream>)
            -> Resource<DynPollable>, wasmtime::Error;
        drop(ResolveAddressStream);
    }

    impl io::error::Host => io_view {}

    impl io::error::HostError => io_view {
        fn [error_to_debug_string] to_debug_string(error: Resource<wasmtime::Error>)
            -> String, wasmtime::Error;
        drop(wasmtime::Error);
    }

    impl io::poll::Host => io_view {
        async fn [poll_poll] poll(pollables: Vec<Resource<DynPollable>>)
            -> Vec<u32>, wasmtime::Error;
    }

    impl io::poll::HostPollable => io_view {
        async fn [pollable_ready] ready(pollable: Resource<DynPollable>) -> bool, wasmtime::Error;
        async fn [pollable_block] block(pollable: Resource<DynPollable>) -> (), wasmtime::Error;
        drop(DynPollable);
    }

    impl io::streams::Host => io_view {
        by hand {
            // The bindings convert a failed stream call's error. `closed`
            // and a trap (a replay's divergence among them) need no host;
            // a failure's `error` resource is the host's, and recorded.
            fn convert_stream_error(
                &mut self,
                error: StreamError,
            ) -> wasmtime::Result<io::streams::StreamError> {
                let failed = match error {
                    StreamError::Closed => return Ok(io::streams::StreamError::Closed),
                    StreamError::Trap(error) => return Err(error),
                    failed @ StreamError::LastOperationFailed(_) => failed,
                };
                let function = Function::streams_convert_stream_error;
                if let Some(answer) = self.replayed(function, &[]) {
                    return answer;
                }
                let answer =
                    <_ as io::streams::Host>::convert_stream_error(io_view(self.wasi), failed);
                self.record(function, &[], &answer);
                answer
            }
        }
    }

    impl io::streams::HostInputStream => io_view {
        fn [input_stream_read] read(stream: Resource<DynInputStream>, length: u64)
            -> Vec<u8>, StreamError;
        fn [input_stream_skip] skip(stream: Resource<DynInputStream>, length: u64)
            -> u64, StreamError;
        fn [input_stream_subscribe] subscribe(stream: Resource<DynInputStream>)
            -> Resource<DynPollable>, wasmtime::Error;
        async fn [input_stream_blocking_read] blocking_read(
            stream: Resource<DynInputStream>, length: u64
        ) -> Vec<u8>, StreamError;
        async fn [input_stream_blocking_skip] blocking_skip(
            stream: Resource<DynInputStream>, length: u64
        ) -> u64, StreamError;
        async drop(DynInputStream);
    }

    impl io::streams::HostOutputStream => io_view {
        fn [output_stream_check_write] check_write(stream: Resource<DynOutputStream>)
            -> u64, StreamError;
        fn [output_stream_flush] flush(stream: Resource<DynOutputStream>) -> (), StreamError;
        fn [output_stream_subscribe] subscribe(stream: Resource<DynOutputStream>)
            -> Resource<DynPollable>, wasmtime::Error;
        fn [output_stream_write_zeroes] write_zeroes(stream: Resource<DynOutputStream>, length: u64)
            -> (), StreamError;
        fn [output_stream_splice] splice(
            stream: Resource<DynOutputStream>, source: Resource<DynInputStream>, length: u64
        ) -> u64, StreamError;
        async fn [output_stream_blocking_flush] blocking_flush(stream: Resource<DynOutputStream>)
            -> (), StreamError;
        async fn [output_stream_blocking_write_zeroes_and_flush] blocking_write_zeroes_and_flush(
            stream: Resource<DynOutputStream>, length: u64
        ) -> (), StreamError;
        async fn [output_stream_blocking_splice] blocking_splice(
            stream: Resource<DynOutputStream>, source: Resource<DynInputStream>, length: u64
        ) -> u64, StreamError;
        by hand {
            // What the program writes is shown in a replay that shows output.
            fn write(
                &mut self,
                stream: Resource<DynOutputStream>,
                contents: Vec<u8>,
            ) -> Result<(), StreamError> {
                let params: &[i64] = &[stream.param(), contents.param()];
                if let Some(answer) = self.replayed(Function::output_stream_write, params) {
                    if answer.is_ok() {
                        self.show(&stream, &contents);
                    }
                    return answer;
                }
                let answer =
                    <_ as io::streams::HostOutputStream>::write(io_view(self.wasi), stream, contents);
                self.record(Function::output_stream_write, params, &answer);
                answer
            }

            async fn blocking_write_and_flush(
                &mut self,
                stream: Resource<DynOutputStream>,
                contents: Vec<u8>,
            ) -> Result<(), StreamError> {
                let function = Function::output_stream_blocking_write_and_flush;
                let params: &[i64] = &[stream.param(), contents.param()];
                if let Some(answer) = self.replayed(function, params) {
                    if answer.is_ok() {
                        self.show(&stream, &contents);
                    }
                    return answer;
                }
                let answer = <_ as io::streams::HostOutputStream>::blocking_write_and_flush(
                    io_view(self.wasi),
                    stream,
                    contents,
                )
                .await;
                self.record(function, params, &answer);
                answer
            }

            async fn drop(&mut self, stream: Resource<DynOutputStream>) -> wasmtime::Result<()> {
                // Its number may be reused for a stream that is not shown.
                self.shown.forget(stream.rep());
                let params: &[i64] = &[stream.param()];
                if self.is_replay() {
                    return self.replayed_drop(params);
                }
                let outcome =
                    <_ as io::streams::HostOutputStream>::drop(io_view(self.wasi), stream).await;
                self.record_drop(params, &outcome);
                outcome
            }
        }
    }
}

/// The two streams a replay may show, noted as the program gets them.
impl cli::stdout::Host for P2<'_> {
    fn get_stdout(&mut self) -> wasmtime::Result<Resource<DynOutputStream>> {
        let stream = self.stream(Function::stdout_get_stdout, |cli| {
            cli::stdout::Host::get_stdout(cli)
        })?;
        if self.shows_output() {
            self.shown.stdout.push(stream.rep());
        }
        Ok(stream)
    }
}

impl cli::stderr::Host for P2<'_> {
    fn get_stderr(&mut self) -> wasmtime::Result<Resource<DynOutputStream>> {
        let stream = self.stream(Function::stderr_get_stderr, |cli| {
            cli::stderr::Host::get_stderr(cli)
        })?;
        if self.shows_output() {
            self.shown.stderr.push(stream.rep());
        }
        Ok(stream)
    }
}

impl P2<'_> {
    fn stream(
        &mut self,
        function: Function,
        live: impl FnOnce(&mut WasiCliCtxView<'_>) -> wasmtime::Result<Resource<DynOutputStream>>,
    ) -> wasmtime::Result<Resource<DynOutputStream>> {
        if let Some(answer) = self.replayed(function, &[]) {
            return answer;
        }
        let answer = live(&mut cli_view(self.wasi));
        self.record(function, &[], &answer);
        answer
    }
}

/// Adds every recorded interface to `linker`.
pub fn add_to_linker(linker: &mut Linker<Recorded>) -> wasmtime::Result<()> {
    let l = linker;
    filesystem::types::add_to_linker::<Recorded, Recorder>(l, view)?;
    filesystem::preopens::add_to_linker::<Recorded, Recorder>(l, view)?;
    cli::environment::add_to_linker::<Recorded, Recorder>(l, view)?;
    cli::exit::add_to_linker::<Recorded, Recorder>(l, view)?;
    cli::stdin::add_to_linker::<Recorded, Recorder>(l, view)?;
    cli::stdout::add_to_linker::<Recorded, Recorder>(l, view)?;
    cli::stderr::add_to_linker::<Recorded, Recorder>(l, view)?;
    cli::terminal_input::add_to_linker::<Recorded, Recorder>(l, view)?;
    cli::terminal_output::add_to_linker::<Recorded, Recorder>(l, view)?;
    cli::terminal_stdin::add_to_linker::<Recorded, Recorder>(l, view)?;
    cli::terminal_stdout::add_to_linker::<Recorded, Recorder>(l, view)?;
    cli::terminal_stderr::add_to_linker::<Recorded, Recorder>(l, view)?;
    clocks::wall_clock::add_to_linker::<Recorded, Recorder>(l, view)?;
    clocks::monotonic_clock::add_to_linker::<Recorded, Recorder>(l, view)?;
    random::random::add_to_linker::<Recorded, Recorder>(l, view)?;
    random::insecure::add_to_linker::<Recorded, Recorder>(l, view)?;
    random::insecure_seed::add_to_linker::<Recorded, Recorder>(l, view)?;
    io::error::add_to_linker::<Recorded, Recorder>(l, view)?;
    io::poll::add_to_linker::<Recorded, Recorder>(l, view)?;
    io::streams::add_to_linker::<Recorded, Recorder>(l, view)?;
    sockets::tcp_create_socket::add_to_linker::<Recorded, Recorder>(l, view)?;
    sockets::udp_create_socket::add_to_linker::<Recorded, Recorder>(l, view)?;
    sockets::instance_network::add_to_linker::<Recorded, Recorder>(l, view)?;
    sockets::network::add_to_linker::<Recorded, Recorder>(l, &Default::default(), view)?;
    sockets::ip_name_lookup::add_to_linker::<Recorded, Recorder>(l, view)?;
    sockets::tcp::add_to_linker::<Recorded, Recorder>(l, view)?;
    sockets::udp::add_to_linker::<Recorded, Recorder>(l, view)?;
    Ok(())
}
