//! The raw GDB remote protocol rows: a client and a debugged server on loopback, round trips and memory throughput.

use super::*;

/// The CLI under `-g`, paused at the program's first instruction.
pub struct Server {
    pub child: Child,
    pub addr: SocketAddr,
}

impl Server {
    pub fn start(debuggee: &Path, args: &[&str]) -> (Server, Duration) {
        Server::start_with(&[], debuggee, args)
    }

    /// Like `start`, with `options` for `wasmdebug run`.
    pub fn start_with(options: &[&str], debuggee: &Path, args: &[&str]) -> (Server, Duration) {
        let started = Instant::now();
        let mut child = Command::new(wasmdebug())
            .args(["run", "-g", "127.0.0.1:0"])
            .args(options)
            .arg(debuggee)
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("wasmdebug starts");
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut line = String::new();
        let addr = loop {
            line.clear();
            assert!(
                stderr.read_line(&mut line).unwrap() > 0,
                "wasmdebug exited early"
            );
            if let Some(addr) = line.trim().strip_prefix("Debugger listening on ") {
                break addr.parse().unwrap();
            }
        };
        let elapsed = started.elapsed();
        // Keep draining stderr so the server never blocks on it.
        std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
        (Server { child, addr }, elapsed)
    }

    pub fn connect(&self) -> Client {
        Client::connect(self.addr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A minimal GDB remote protocol client, in no-ack mode after the handshake.
pub struct Client {
    stream: TcpStream,
    buffer: Vec<u8>,
    packet_size: usize,
}

impl Client {
    pub fn connect(addr: SocketAddr) -> Client {
        let stream = TcpStream::connect(addr).unwrap();
        stream.set_nodelay(true).unwrap();
        let mut client = Client {
            stream,
            buffer: Vec::new(),
            packet_size: 4096,
        };
        let supported = String::from_utf8(client.request_acked("qSupported:swbreak+")).unwrap();
        for feature in supported.split(';') {
            if let Some(size) = feature.strip_prefix("PacketSize=") {
                client.packet_size = usize::from_str_radix(size, 16).unwrap();
            }
        }
        assert_eq!(client.request_acked("QStartNoAckMode"), b"OK");
        client
    }

    pub fn send(&mut self, payload: &str) {
        self.stream
            .write_all(&packet::frame(payload.as_bytes()))
            .unwrap();
    }

    /// Reads one packet's payload, skipping acks. Each byte is searched
    /// once, so that large replies cost the client no more than their size.
    pub fn receive(&mut self) -> Vec<u8> {
        let mut searched = 0;
        loop {
            if let Some(start) = self.buffer.iter().position(|&byte| byte == b'$') {
                let from = searched.max(start);
                match self.buffer[from..].iter().position(|&byte| byte == b'#') {
                    Some(end) if self.buffer.len() >= from + end + 3 => {
                        let end = from + end;
                        let payload = self.buffer[start + 1..end].to_vec();
                        self.buffer.drain(..end + 3);
                        return payload;
                    }
                    Some(end) => searched = from + end,
                    None => searched = self.buffer.len(),
                }
            }
            let mut chunk = [0u8; 65536];
            let read = self.stream.read(&mut chunk).unwrap();
            assert!(read > 0, "server closed the connection");
            self.buffer.extend_from_slice(&chunk[..read]);
        }
    }

    pub fn request(&mut self, payload: &str) -> Vec<u8> {
        self.send(payload);
        self.receive()
    }

    /// A request before no-ack mode: acknowledge the reply.
    pub fn request_acked(&mut self, payload: &str) -> Vec<u8> {
        let reply = self.request(payload);
        self.stream.write_all(b"+").unwrap();
        reply
    }

    /// Sends `payload`, whose reply must start with `expected`, and returns
    /// the milliseconds until the reply came, and the reply.
    pub fn timed(&mut self, payload: &str, expected: &[u8]) -> (f64, Vec<u8>) {
        let started = Instant::now();
        let reply = self.request(payload);
        let elapsed = millis(started.elapsed());
        assert!(
            reply.starts_with(expected),
            "{}",
            String::from_utf8_lossy(&reply)
        );
        (elapsed, reply)
    }

    pub fn read_memory(&mut self, address: u64, length: usize) -> Vec<u8> {
        self.request(&format!("m{address:x},{length:x}"))
    }
}

/// The LLDB address of byte `offset` of module `module`'s bytecode.
pub fn code_address(module: u64, offset: u64) -> u64 {
    (1 << 62) | (module << 32) | offset
}

/// Times 5000 requests of `payload`, each answered with a reply that
/// starts with `reply_prefix`, in microseconds.
pub fn round_trips(client: &mut Client, payload: &str, reply_prefix: &[u8]) -> Vec<f64> {
    (0..5000)
        .map(|_| {
            let started = Instant::now();
            let reply = client.request(payload);
            let elapsed = started.elapsed();
            assert!(
                reply.starts_with(reply_prefix),
                "{}",
                String::from_utf8_lossy(&reply)
            );
            micros(elapsed)
        })
        .collect()
}

/// The loopback floor: 5000 round trips of a small request to a child
/// process that answers each at once, in microseconds.
pub fn ping_pong_round_trips() -> Vec<f64> {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .env(ECHO_ADDRESS_VAR, listener.local_addr().unwrap().to_string())
        .spawn()
        .expect("the echo process starts");
    let (mut stream, _) = listener.accept().unwrap();
    stream.set_nodelay(true).unwrap();
    let request = b"$?#3f";
    let mut reply = [0u8; 5];
    let times = (0..5000)
        .map(|_| {
            let started = Instant::now();
            stream.write_all(request).unwrap();
            stream.read_exact(&mut reply).unwrap();
            micros(started.elapsed())
        })
        .collect();
    drop(stream);
    let _ = child.wait();
    times
}

/// The echo process: sends back whatever arrives, until the peer hangs up.
pub fn echo(address: &str) {
    let mut stream = TcpStream::connect(address).unwrap();
    stream.set_nodelay(true).unwrap();
    let mut buffer = [0u8; 64];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) | Err(_) => return,
            Ok(n) => stream.write_all(&buffer[..n]).unwrap(),
        }
    }
}

pub fn query_round_trips(debuggee: &Path) -> Vec<f64> {
    let (server, _) = Server::start(debuggee, &["basic"]);
    round_trips(&mut server.connect(), "?", b"T")
}

pub fn step_round_trips(debuggee: &Path) -> Vec<f64> {
    let (server, _) = Server::start(debuggee, &["compute", "25"]);
    round_trips(&mut server.connect(), "vCont;s:1", b"T05")
}

pub fn breakpoint_round_trips(debuggee: &Path) -> Vec<f64> {
    let (server, _) = Server::start(debuggee, &["compute", "25"]);
    let mut client = server.connect();
    let module = read_module(&mut client);
    let fib = function_body_offset(&module, "fib");
    let reply = client.request(&format!("Z0,{:x},1", code_address(0, fib)));
    assert_eq!(reply, b"OK");
    round_trips(&mut client, "vCont;c", b"T05")
}

pub fn memory_read_throughput(debuggee: &Path) -> f64 {
    let (server, _) = Server::start(debuggee, &["basic"]);
    let mut client = server.connect();
    // Hex doubles the size, and the packet has a few bytes of framing.
    let chunk = (client.packet_size - 16) / 2;
    let total = 8 << 20;
    let started = Instant::now();
    let mut read = 0;
    while read < total {
        let length = chunk.min(total - read);
        let reply = client.read_memory(read as u64, length);
        assert_eq!(
            reply.len(),
            length * 2,
            "{}",
            String::from_utf8_lossy(&reply[..reply.len().min(20)])
        );
        read += length;
    }
    total as f64 / started.elapsed().as_secs_f64() / 1e6
}

pub fn read_module(client: &mut Client) -> Vec<u8> {
    let chunk = (client.packet_size - 16) / 2;
    let mut bytes = Vec::new();
    loop {
        let reply = client.read_memory(code_address(0, bytes.len() as u64), chunk);
        if reply.is_empty() || reply.starts_with(b"E") {
            break;
        }
        for pair in reply.chunks(2) {
            bytes.push(u8::from_str_radix(std::str::from_utf8(pair).unwrap(), 16).unwrap());
        }
        if reply.len() < chunk * 2 {
            break;
        }
    }
    bytes
}

/// Where the body of the function named `name` starts in the module.
pub fn function_body_offset(module: &[u8], name: &str) -> u64 {
    let mut imported = 0;
    let mut bodies = Vec::new();
    let mut index = None;
    for payload in wasmparser::Parser::new(0).parse_all(module) {
        match payload.unwrap() {
            wasmparser::Payload::ImportSection(imports) => {
                for import in imports.into_imports() {
                    if matches!(import.unwrap().ty, wasmparser::TypeRef::Func(_)) {
                        imported += 1;
                    }
                }
            }
            wasmparser::Payload::CodeSectionEntry(body) => bodies.push(body.range().start as u64),
            wasmparser::Payload::CustomSection(section) => {
                if let wasmparser::KnownCustom::Name(names) = section.as_known() {
                    for subsection in names {
                        if let Ok(wasmparser::Name::Function(map)) = subsection {
                            for naming in map {
                                let naming = naming.unwrap();
                                if naming.name == name {
                                    index = Some(naming.index);
                                }
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    let index = index.unwrap_or_else(|| panic!("no function `{name}`"));
    bodies[(index - imported) as usize]
}
