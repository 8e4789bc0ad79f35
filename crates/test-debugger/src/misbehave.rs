//! The ways a broken or hostile debugger misbehaves, for the tests that show the runtime contains each.

use wasip2::sockets::network::{IpAddressFamily, IpSocketAddress, Ipv4SocketAddress};

use crate::wasmdebug::debugger::console::print;

/// One misbehaviour, chosen by `misbehave KIND`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Misbehaviour {
    /// Traps at once.
    Trap,
    /// Spins forever without calling the host.
    Loop,
    /// Allocates (without touching) until allocation fails.
    Alloc,
    /// Tries to read and create files.
    Files,
    /// Reads its environment.
    Env,
    /// Tries to connect to `IP:PORT` (IPv4).
    Connect(std::net::SocketAddrV4),
}

impl Misbehaviour {
    pub fn parse(operands: &[&str]) -> Result<Misbehaviour, String> {
        Ok(match operands {
            ["trap"] => Misbehaviour::Trap,
            ["loop"] => Misbehaviour::Loop,
            ["alloc"] => Misbehaviour::Alloc,
            ["files"] => Misbehaviour::Files,
            ["env"] => Misbehaviour::Env,
            ["connect", addr] => Misbehaviour::Connect(
                addr.parse()
                    .map_err(|_| format!("`{addr}` is not IPv4 IP:PORT"))?,
            ),
            _ => return Err("expected trap, loop, alloc, files, env or connect IP:PORT".into()),
        })
    }

    /// Misbehaves; returns what the sandbox let it do, if it returns.
    pub fn run(&self) -> String {
        match self {
            // In Wasm, an `unreachable` trap.
            Misbehaviour::Trap => std::process::abort(),
            Misbehaviour::Loop => {
                print("misbehave loop -> looping");
                let mut n = 0u64;
                loop {
                    n = core::hint::black_box(n.wrapping_add(1));
                }
            }
            Misbehaviour::Alloc => {
                let mut kept = Vec::new();
                loop {
                    let chunk: Vec<u8> = Vec::with_capacity(16 << 20);
                    kept.push(core::hint::black_box(chunk));
                    print(&format!("misbehave alloc -> {} MiB", kept.len() * 16));
                }
            }
            Misbehaviour::Files => {
                let read = std::fs::read("/etc/passwd").map(|bytes| bytes.len());
                let create = std::fs::write("escaped.txt", b"x");
                let list = std::fs::read_dir(".").map(|dir| dir.count());
                format!("read {read:?}, create {create:?}, list {list:?}")
            }
            Misbehaviour::Env => {
                let vars: Vec<String> = std::env::vars().map(|(name, _)| name).collect();
                let cwd = std::env::current_dir();
                format!("{} variables {vars:?}, cwd {cwd:?}", vars.len())
            }
            Misbehaviour::Connect(addr) => format!("{:?}", connect(*addr)),
        }
    }
}

/// Connects to `addr` through WASI sockets; `Ok` means the sandbox let it.
fn connect(addr: std::net::SocketAddrV4) -> Result<(), String> {
    use wasip2::sockets::network::ErrorCode;
    let socket = wasip2::sockets::tcp_create_socket::create_tcp_socket(IpAddressFamily::Ipv4)
        .map_err(|e| format!("create: {e:?}"))?;
    let network = wasip2::sockets::instance_network::instance_network();
    let [a, b, c, d] = addr.ip().octets();
    let remote = IpSocketAddress::Ipv4(Ipv4SocketAddress {
        port: addr.port(),
        address: (a, b, c, d),
    });
    socket
        .start_connect(&network, remote)
        .map_err(|e| format!("connect: {e:?}"))?;
    let ready = socket.subscribe();
    let connected = loop {
        match socket.finish_connect() {
            Err(ErrorCode::WouldBlock) => ready.block(),
            other => break other,
        }
    };
    drop(ready);
    connected.map(drop).map_err(|e| format!("connect: {e:?}"))
}
