//! The one way SSO Pilot starts a private async runtime (the CLI's servers and fetches, the demo IdP's thread): a
//! current-thread tokio runtime with the time and I/O drivers, which the loopback servers and the fetch need.

/// Why no runtime could be started (the OS refused a thread, a timer or an I/O driver).
#[derive(Debug, thiserror::Error)]
#[error("cannot start the async runtime ({0}): the system may be out of threads or file handles; close some programs and retry")]
pub struct RuntimeError(#[from] std::io::Error);

/// A current-thread runtime with time and I/O enabled.
pub fn current_thread() -> Result<tokio::runtime::Runtime, RuntimeError> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn its_runtime_has_timers_and_sockets() {
        let rt = current_thread().unwrap();
        let port = rt.block_on(async {
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
            let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            l.local_addr().unwrap().port()
        });
        assert_ne!(port, 0);
    }
}
