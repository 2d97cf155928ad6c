//! A real SMTP server on loopback for the mail tests (`mailin-embedded`, on its own threads): it
//! keeps every message it accepted, envelope and raw text, so a test reads what a customer would
//! receive. It can be told to answer the next recipients (RCPT TO) with a 4xx (greylisting) or a 5xx.

use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mailin_embedded::{Handler, Response, Server, SslConfig};

/// One message as the server took it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    pub raw: Vec<u8>,
}

impl Received {
    /// The message parsed (headers, body, attachments decoded).
    ///
    /// # Panics
    /// When the server took something that is not a message.
    pub fn parsed(&self) -> mail_parser::Message<'_> {
        mail_parser::MessageParser::default().parse(&self.raw).expect("a parseable message")
    }
}

#[derive(Debug, Default)]
struct State {
    received: Vec<Received>,
    /// Codes to answer the next recipients with, first first (e.g. 451, 550).
    faults: Vec<u16>,
}

#[derive(Clone)]
struct Keep {
    state: Arc<Mutex<State>>,
    from: String,
    to: Vec<String>,
    data: Vec<u8>,
}

impl Handler for Keep {
    fn rcpt(&mut self, _to: &str) -> Response {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if !s.faults.is_empty() {
            let code = s.faults.remove(0);
            return Response::custom(
                code,
                if code >= 500 { "mailbox unavailable".into() } else { "try again later".into() },
            );
        }
        mailin_embedded::response::OK
    }

    fn data_start(&mut self, _domain: &str, from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.from = from.to_string();
        self.to = to.to_vec();
        self.data.clear();
        mailin_embedded::response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        s.received.push(Received { from: self.from.clone(), to: self.to.clone(), raw: std::mem::take(&mut self.data) });
        mailin_embedded::response::OK
    }
}

/// The server; it runs until the test process ends.
#[derive(Debug, Clone)]
pub struct SmtpServer {
    pub port: u16,
    state: Arc<Mutex<State>>,
}

impl SmtpServer {
    /// Starts a server on a free loopback port.
    ///
    /// # Panics
    /// When no port can be had.
    pub fn start() -> SmtpServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let port = listener.local_addr().expect("its address").port();
        let state = Arc::new(Mutex::new(State::default()));
        let handler = Keep { state: state.clone(), from: String::new(), to: Vec::new(), data: Vec::new() };
        std::thread::spawn(move || {
            let mut server = Server::new(handler);
            server.with_name("mail.test").with_tcp_listener(listener).with_num_threads(16);
            if server.with_ssl(SslConfig::None).is_ok() {
                let _ = server.serve();
            }
        });
        SmtpServer { port, state }
    }

    /// Everything accepted so far.
    pub fn received(&self) -> Vec<Received> {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).received.clone()
    }

    /// Answers the next `codes.len()` recipients with these codes instead of taking them.
    pub fn fail_next(&self, codes: &[u16]) {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).faults.extend_from_slice(codes);
    }

    /// Waits until `n` messages were accepted.
    ///
    /// # Panics
    /// When they are not within 20 seconds.
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        for _ in 0..400 {
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the SMTP server received {} messages, not {n}", self.received().len());
    }
}
