//! TCP through WASI sockets: the listener, and a client connection's two streams.

use std::net::{IpAddr, SocketAddr};

use wasip2::io::poll::Pollable;
use wasip2::io::streams::{InputStream, OutputStream, StreamError};
use wasip2::sockets::network::{
    ErrorCode, IpAddressFamily, IpSocketAddress, Ipv4SocketAddress, Ipv6SocketAddress,
};
use wasip2::sockets::tcp::{ShutdownType, TcpSocket};

/// The most we read at once. The host zeroes a buffer of this size for
/// every read, so it stays small: requests are short, and the rare large
/// one (a memory write) takes a few more reads.
const READ_CHUNK: u64 = 8 * 1024;

/// The most we write at once: the most the host's TCP stream accepts in
/// one write.
const WRITE_CHUNK: u64 = 64 * 1024;

pub struct Listener {
    // Children before their parents: they are dropped in this order.
    ready: Pollable,
    socket: TcpSocket,
}

impl Listener {
    /// Binds and listens on `addr`; port 0 picks a free port.
    pub fn bind(addr: SocketAddr) -> Result<Listener, String> {
        let fail = |what: &str, e: ErrorCode| format!("cannot {what} {addr}: {e:?}");
        let family = match addr.ip() {
            IpAddr::V4(_) => IpAddressFamily::Ipv4,
            IpAddr::V6(_) => IpAddressFamily::Ipv6,
        };
        let socket = wasip2::sockets::tcp_create_socket::create_tcp_socket(family)
            .map_err(|e| fail("create a socket for", e))?;
        let network = wasip2::sockets::instance_network::instance_network();
        let ready = socket.subscribe();
        socket
            .start_bind(&network, to_wasi(addr))
            .map_err(|e| fail("bind", e))?;
        finish(&ready, || socket.finish_bind()).map_err(|e| fail("bind", e))?;
        socket.start_listen().map_err(|e| fail("listen on", e))?;
        finish(&ready, || socket.finish_listen()).map_err(|e| fail("listen on", e))?;
        Ok(Listener { ready, socket })
    }

    /// The address actually bound, with the real port.
    pub fn local_addr(&self) -> Result<SocketAddr, String> {
        self.socket
            .local_address()
            .map(from_wasi)
            .map_err(|e| format!("cannot read the listening address: {e:?}"))
    }

    /// Ready when a client is waiting to be accepted.
    pub fn acceptable(&self) -> &Pollable {
        &self.ready
    }

    /// Waits for the next client.
    pub fn accept(&self) -> Result<Client, String> {
        let (socket, input, output) = finish(&self.ready, || self.socket.accept())
            .map_err(|e| format!("cannot accept a connection: {e:?}"))?;
        let readable = input.subscribe();
        let writable = output.subscribe();
        Ok(Client {
            readable,
            writable,
            input,
            output,
            socket,
        })
    }
}

/// Runs a WASI socket step that may answer `would-block`, waiting until it does not.
fn finish<T>(
    ready: &Pollable,
    mut step: impl FnMut() -> Result<T, ErrorCode>,
) -> Result<T, ErrorCode> {
    loop {
        match step() {
            Err(ErrorCode::WouldBlock) => ready.block(),
            other => return other,
        }
    }
}

/// One connected client. Dropping it closes the connection.
pub struct Client {
    // Children before their parents (pollables, then streams, then the
    // socket): they are dropped in this order.
    readable: Pollable,
    writable: Pollable,
    input: InputStream,
    output: OutputStream,
    socket: TcpSocket,
}

/// The client hung up, or the connection broke.
#[derive(Debug)]
pub struct Closed;

impl Client {
    /// The client's address, if the host can tell.
    pub fn peer(&self) -> Option<SocketAddr> {
        self.socket.remote_address().ok().map(from_wasi)
    }

    /// Ready when there is something to read (or the client hung up).
    pub fn readable(&self) -> &Pollable {
        &self.readable
    }

    /// Appends whatever bytes are there to `buf`, without waiting.
    pub fn read_ready(&self, buf: &mut Vec<u8>) -> Result<(), Closed> {
        let bytes = self.input.read(READ_CHUNK).map_err(|_| Closed)?;
        buf.extend_from_slice(&bytes);
        Ok(())
    }

    /// Sends all of `bytes`. The host sends each write as it comes and the
    /// socket keeps Nagle's algorithm on, so a response goes in as few writes
    /// as the stream allows: one, unless it is over 64 KiB.
    pub fn send(&self, mut bytes: &[u8]) -> Result<(), Closed> {
        while !bytes.is_empty() {
            let permitted = self.output.check_write().map_err(|_: StreamError| Closed)?;
            if permitted == 0 {
                self.writable.block();
                continue;
            }
            let n = bytes.len().min(permitted.min(WRITE_CHUNK) as usize);
            self.output.write(&bytes[..n]).map_err(|_| Closed)?;
            bytes = &bytes[n..];
        }
        self.output.flush().map_err(|_| Closed)
    }

    /// Waits until everything sent has left, then closes our side.
    pub fn close(self) {
        let _ = self.output.blocking_flush();
        let _ = self.socket.shutdown(ShutdownType::Both);
    }
}

fn to_wasi(addr: SocketAddr) -> IpSocketAddress {
    match addr {
        SocketAddr::V4(v4) => {
            let [a, b, c, d] = v4.ip().octets();
            IpSocketAddress::Ipv4(Ipv4SocketAddress {
                port: v4.port(),
                address: (a, b, c, d),
            })
        }
        SocketAddr::V6(v6) => {
            let [a, b, c, d, e, f, g, h] = v6.ip().segments();
            IpSocketAddress::Ipv6(Ipv6SocketAddress {
                port: v6.port(),
                flow_info: v6.flowinfo(),
                address: (a, b, c, d, e, f, g, h),
                scope_id: v6.scope_id(),
            })
        }
    }
}

fn from_wasi(addr: IpSocketAddress) -> SocketAddr {
    match addr {
        IpSocketAddress::Ipv4(v4) => {
            let (a, b, c, d) = v4.address;
            SocketAddr::from(([a, b, c, d], v4.port))
        }
        IpSocketAddress::Ipv6(v6) => {
            let (a, b, c, d, e, f, g, h) = v6.address;
            SocketAddr::from(([a, b, c, d, e, f, g, h], v6.port))
        }
    }
}
