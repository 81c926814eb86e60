//! The demo IdP running in the background of an app (the wizard): its own thread with a small tokio runtime, on
//! 127.0.0.1, on the default port or the next free one. The app keeps the handle; dropping it stops the server.
//!
//! Everything about which application it serves comes from the core's wizard (see `wizard::demo`); the handle only
//! starts, reports and stops.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use super::directory::{Directory, DirectoryError};
use super::key::IdpKey;
use super::rotation::KeyRing;
use super::server::{Server, ServerError, State};
use crate::clock::{SharedClock, SystemClock};
use ssopilot_saml::fingerprint::Fingerprint;
use ssopilot_saml::values::EntityId;

/// How many ports are tried from the first one before giving up (8740 to 8749 by default).
pub const PORT_TRIES: u16 = 10;

/// Why the demo IdP did not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("its demo users could not be set up ({0})")]
    Directory(#[from] DirectoryError),
    #[error("{0}")]
    Server(#[from] ServerError),
    #[error("ports {first} to {last} on 127.0.0.1 are all in use ({detail}): close what uses them (another SSO Pilot?) and restart SSO Pilot")]
    NoFreePort {
        first: u16,
        last: u16,
        detail: String,
    },
    #[error("its background thread could not start ({0})")]
    Thread(String),
}

/// A demo IdP serving on loopback until dropped or [`RunningDemoIdp::stop`]ped.
pub struct RunningDemoIdp {
    state: Arc<State>,
    port: u16,
    requested_port: u16,
    entity_id: EntityId,
    stop: Mutex<Option<tokio::sync::oneshot::Sender<()>>>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl std::fmt::Debug for RunningDemoIdp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningDemoIdp")
            .field("base_url", &self.base_url())
            .finish_non_exhaustive()
    }
}

/// Binds the first free port of `first..first+tries` (just port 0 when `first` is 0), passing over `reserved`: the
/// test SP's fixed port, which a demo IdP moved up from a busy 8740 would otherwise take from the test login.
async fn bind_first_free(
    first: u16,
    tries: u16,
    reserved: u16,
    state: State,
) -> Result<Server, StartError> {
    let last = if first == 0 {
        0
    } else {
        first.saturating_add(tries.saturating_sub(1))
    };
    let mut detail = String::new();
    for port in (first..=last).filter(|&p| p == 0 || p != reserved) {
        let addr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port);
        match tokio::net::TcpListener::bind(addr).await {
            Ok(listener) => return Ok(Server::from_listener(listener, state)?),
            Err(e) => detail = e.to_string(),
        }
    }
    Err(StartError::NoFreePort {
        first,
        last,
        detail,
    })
}

impl RunningDemoIdp {
    /// Starts the demo IdP with the seeded demo directory and no application, on `first_port` or one of the next
    /// [`PORT_TRIES`] - 1 ports (port 0: any free port, for tests).
    ///
    /// Dates responses by the system clock: for callers that do not hold a clock yet (see [`Self::start_with_clock`]).
    pub fn start(key: IdpKey, first_port: u16) -> Result<Self, StartError> {
        Self::start_with_clock(key, first_port, SystemClock::shared())
    }

    /// [`Self::start`], with the responses dated by `clock`.
    pub fn start_with_clock(
        key: IdpKey,
        first_port: u16,
        clock: SharedClock,
    ) -> Result<Self, StartError> {
        Self::start_with_keys(KeyRing::in_memory(key), first_port, clock)
    }

    /// [`Self::start_with_clock`] with a key ring (kept in the keychain, perhaps mid-rotation).
    pub fn start_with_keys(
        keys: KeyRing,
        first_port: u16,
        clock: SharedClock,
    ) -> Result<Self, StartError> {
        let state = State::with_key_ring(Directory::demo()?, Vec::new(), keys)?.with_clock(clock);
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("demo-idp".into())
            .spawn(move || {
                let rt = match crate::runtime::current_thread() {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = ready_tx.send(Err(StartError::Thread(e.to_string())));
                        return;
                    }
                };
                rt.block_on(async move {
                    let server = match bind_first_free(
                        first_port,
                        PORT_TRIES,
                        crate::test_login::FIXED_PORT,
                        state,
                    )
                    .await
                    {
                        Ok(s) => s,
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                            return;
                        }
                    };
                    let _ = ready_tx.send(Ok(server.shared_state()));
                    let serving = tokio::spawn(server.run());
                    // Until the handle says stop (or is dropped).
                    let _ = stop_rx.await;
                    serving.abort();
                });
            })
            .map_err(|e| StartError::Thread(e.to_string()))?;
        let state = match ready_rx.recv() {
            Ok(Ok(state)) => state,
            Ok(Err(e)) => {
                let _ = thread.join();
                return Err(e);
            }
            Err(_) => {
                let _ = thread.join();
                return Err(StartError::Thread("it stopped before binding".into()));
            }
        };
        let port = state
            .base_url()
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .unwrap_or(first_port);
        let entity_id = super::entity_id(port)
            .map_err(|e| StartError::Thread(format!("its entity ID could not be made: {e}")))?;
        Ok(Self {
            state,
            port,
            requested_port: first_port,
            entity_id,
            stop: Mutex::new(Some(stop_tx)),
            thread: Mutex::new(Some(thread)),
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port asked for, when another one had to be used (it was taken).
    pub fn moved_from(&self) -> Option<u16> {
        (self.requested_port != 0 && self.requested_port != self.port)
            .then_some(self.requested_port)
    }

    pub fn base_url(&self) -> String {
        super::base_url(self.port)
    }

    /// Its own entity ID, which is also its metadata URL.
    pub fn entity_id(&self) -> &EntityId {
        &self.entity_id
    }

    pub fn metadata_url(&self) -> String {
        self.entity_id.as_str().to_string()
    }

    pub fn sso_url(&self) -> String {
        super::sso_url(self.port)
    }

    pub fn cert_pem(&self) -> String {
        self.state.keys().signing().cert_pem()
    }

    /// The certificates its metadata lists, in order (two during a rotation: the older one first).
    pub fn published_cert_pems(&self) -> Vec<String> {
        self.state
            .keys()
            .published()
            .iter()
            .map(|k| k.cert_pem())
            .collect()
    }

    pub fn fingerprint_sha256(&self) -> Fingerprint {
        self.state.keys().signing().fingerprint_sha256()
    }

    /// Why it runs on a temporary key (no keychain to keep one), when it does: see [`IdpKey::temporary`].
    pub fn temporary_key_reason(&self) -> Option<String> {
        self.state
            .keys()
            .signing()
            .temporary_reason()
            .map(str::to_string)
    }

    /// The live state: its applications and directory can be changed while it serves.
    pub fn state(&self) -> &State {
        &self.state
    }

    /// Stops serving and frees the port (also done on drop).
    pub fn stop(&self) {
        if let Some(tx) = self.stop.lock().unwrap_or_else(|p| p.into_inner()).take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.lock().unwrap_or_else(|p| p.into_inner()).take() {
            let _ = t.join();
        }
    }
}

impl Drop for RunningDemoIdp {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    fn get(port: u16, path: &str) -> String {
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out
    }

    #[test]
    fn takes_the_next_port_when_the_first_is_busy_and_frees_it_on_stop() {
        // Hold a port, ask for it: the demo IdP must move to a later one and say so.
        let held = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let busy = held.local_addr().unwrap().port();
        if busy > u16::MAX - PORT_TRIES {
            return; // no room above it to move to
        }
        let demo = RunningDemoIdp::start(IdpKey::generate_ephemeral().unwrap(), busy).unwrap();
        assert_ne!(demo.port(), busy);
        assert!(demo.port() > busy && demo.port() < busy + PORT_TRIES);
        assert_eq!(demo.moved_from(), Some(busy));
        let port = demo.port();
        let metadata = get(port, "/metadata");
        assert!(metadata.starts_with("HTTP/1.1 200"), "{metadata}");
        assert!(metadata.contains(demo.entity_id().as_str()));
        assert!(metadata.contains(&demo.state().keys().signing().cert_base64()));
        demo.stop();
        drop(demo);
        assert!(
            std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
            "the port is free after stop"
        );
    }

    /// A demo IdP's state (its directory, no applications, a new key) and a runtime to bind its server on.
    fn demo_state_and_runtime() -> (State, tokio::runtime::Runtime) {
        let state = State::new(
            Directory::demo().unwrap(),
            Vec::new(),
            IdpKey::generate_ephemeral().unwrap(),
        )
        .unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        (state, rt)
    }

    #[test]
    fn a_busy_first_port_moves_the_demo_idp_past_the_test_sp_s_port() {
        // The first port busy (as 8740 may be) and the next one the test SP's: the demo IdP takes the one after.
        let held = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let busy = held.local_addr().unwrap().port();
        let Some(reserved) = busy.checked_add(1) else {
            return;
        };
        let (state, rt) = demo_state_and_runtime();
        let server = rt
            .block_on(bind_first_free(busy, 3, reserved, state))
            .unwrap();
        assert_eq!(server.base_url(), format!("http://127.0.0.1:{}", busy + 2));
    }

    #[test]
    fn all_ports_busy_is_an_error_that_says_which() {
        // A run of PORT_TRIES busy ports cannot be arranged reliably; a range of one busy port can.
        let held = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let busy = held.local_addr().unwrap().port();
        let (state, rt) = demo_state_and_runtime();
        let err = rt
            .block_on(bind_first_free(busy, 1, 0, state))
            .err()
            .unwrap();
        let msg = err.to_string();
        assert!(
            msg.starts_with(&format!(
                "ports {busy} to {busy} on 127.0.0.1 are all in use"
            )),
            "{msg}"
        );
    }
}
