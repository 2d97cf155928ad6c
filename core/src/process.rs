//! Which process is doing something, and whether a process recorded earlier is still alive: a
//! sync run or a token refresh names the process that started it, so a run whose process died
//! can be told from one still going.

use std::hash::{BuildHasher, Hasher};
use std::sync::OnceLock;

/// A process, as recorded with its runs: `host/pid/nonce`. The nonce tells this process from an
/// earlier one that had the same pid (a container's arbot is often pid 1 after every restart).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessId {
    pub host: String,
    pub pid: u32,
    pub nonce: u64,
}

/// This process.
pub fn this() -> &'static ProcessId {
    static THIS: OnceLock<ProcessId> = OnceLock::new();
    THIS.get_or_init(|| ProcessId {
        host: host_name(),
        pid: std::process::id(),
        nonce: std::hash::RandomState::new().build_hasher().finish(),
    })
}

fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .map(|h| h.trim().replace('/', "-"))
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_string())
}

impl ProcessId {
    /// The recorded form: `host/pid/nonce`.
    pub fn to_recorded(&self) -> String {
        format!("{}/{}/{:016x}", self.host, self.pid, self.nonce)
    }

    /// Reads the recorded form back (`None` for anything else, such as a run recorded before
    /// runs named their process).
    pub fn parse(s: &str) -> Option<ProcessId> {
        let mut parts = s.rsplitn(3, '/');
        let nonce = u64::from_str_radix(parts.next()?, 16).ok()?;
        let pid = parts.next()?.parse().ok()?;
        let host = parts.next()?.to_string();
        Some(ProcessId { host, pid, nonce })
    }
}

/// What can be said of a recorded process from this one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Liveness {
    Alive,
    Gone,
    /// Another machine's process (or a platform where processes can't be looked up).
    Unknown,
}

/// Whether `recorded` still runs, as far as this process can tell.
pub fn liveness(recorded: &ProcessId) -> Liveness {
    let me = this();
    if recorded.host != me.host {
        return Liveness::Unknown;
    }
    if recorded.pid == me.pid {
        return if recorded.nonce == me.nonce { Liveness::Alive } else { Liveness::Gone };
    }
    if !std::path::Path::new("/proc/self").exists() {
        return Liveness::Unknown;
    }
    if std::path::Path::new(&format!("/proc/{}", recorded.pid)).exists() { Liveness::Alive } else { Liveness::Gone }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_form_round_trips_and_this_process_is_alive() {
        let me = this();
        let back = ProcessId::parse(&me.to_recorded()).expect("parses");
        assert_eq!(&back, me);
        assert_eq!(liveness(me), Liveness::Alive);
        let odd = ProcessId { host: "build/box".replace('/', "-"), pid: 7, nonce: 1 };
        assert_eq!(ProcessId::parse(&odd.to_recorded()), Some(odd));
        assert_eq!(ProcessId::parse("not a process"), None);
        assert_eq!(ProcessId::parse(""), None);
    }

    #[test]
    fn an_earlier_process_with_this_pid_is_gone_and_a_dead_pid_is_gone() {
        let me = this();
        let earlier = ProcessId { nonce: me.nonce.wrapping_add(1), ..me.clone() };
        assert_eq!(liveness(&earlier), Liveness::Gone);
        // A child that has exited and been reaped: its pid is free.
        let mut child = std::process::Command::new("true").spawn().expect("spawn true");
        let pid = child.id();
        child.wait().expect("wait");
        let dead = ProcessId { pid, ..me.clone() };
        if std::path::Path::new("/proc/self").exists() {
            assert_eq!(liveness(&dead), Liveness::Gone);
        }
        let elsewhere = ProcessId { host: format!("{}-other", me.host), ..me.clone() };
        assert_eq!(liveness(&elsewhere), Liveness::Unknown);
    }
}
