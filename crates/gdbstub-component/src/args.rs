//! The component's arguments: the runtime's `-D arg=VALUE` options.

use std::net::SocketAddr;

/// What the arguments ask for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// `listen=ADDR:PORT`: where to accept the debugger's connections.
    pub listen: SocketAddr,
    /// `verbose`: log the packet trace to stderr.
    pub verbose: bool,
}

impl Options {
    pub fn parse(args: &[String]) -> Result<Options, String> {
        let mut listen = None;
        let mut verbose = false;
        for arg in args {
            if let Some(addr) = arg.strip_prefix("listen=") {
                let addr = addr
                    .parse()
                    .map_err(|_| format!("invalid listen address `{addr}` (expected IP:PORT)"))?;
                listen = Some(addr);
            } else if arg == "verbose" {
                verbose = true;
            } else {
                return Err(format!(
                    "unknown debugger argument `{arg}` (expected listen=IP:PORT or verbose)"
                ));
            }
        }
        let listen = listen.ok_or("missing debugger argument listen=IP:PORT")?;
        Ok(Options { listen, verbose })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(args: &[&str], expected: Result<(&str, bool), &str>) {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let got = Options::parse(&args);
        match expected {
            Ok((addr, verbose)) => assert_eq!(
                got,
                Ok(Options {
                    listen: addr.parse().unwrap(),
                    verbose
                }),
                "{args:?}"
            ),
            Err(message) => {
                let err = got.expect_err("should fail");
                assert!(err.contains(message), "{args:?}: {err}");
            }
        }
    }

    #[test]
    fn parses_arguments() {
        check(&["listen=127.0.0.1:0"], Ok(("127.0.0.1:0", false)));
        check(
            &["listen=127.0.0.1:1234", "verbose"],
            Ok(("127.0.0.1:1234", true)),
        );
        check(&["verbose", "listen=[::1]:9"], Ok(("[::1]:9", true)));
        check(
            &["listen=0.0.0.0:1", "listen=127.0.0.1:2"],
            Ok(("127.0.0.1:2", false)),
        );
        check(&[], Err("missing debugger argument listen"));
        check(&["verbose"], Err("missing"));
        check(
            &["listen=localhost:1"],
            Err("invalid listen address `localhost:1`"),
        );
        check(&["listen=127.0.0.1"], Err("invalid listen address"));
        check(
            &["listen=127.0.0.1:0", "loud"],
            Err("unknown debugger argument `loud`"),
        );
    }
}
