//! Bounded reads of what the user points SSO Pilot at (certificates, metadata, responses, configurations): never
//! more than a limit plus one byte is read, so an oversized or endless input (a huge file, a device, a pipe) is
//! noticed without being slurped. The size is judged from what was read, not from an earlier `stat`, so a file
//! that grows in between cannot slip past the limit.

use std::io::Read;
use std::path::Path;

/// Why a file could not be read within its bound.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("it is a directory: give the path of a file")]
    Directory,
    #[error("it is larger than {max} bytes")]
    TooLarge { max: usize },
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// Reads at most `max + 1` bytes of `r`: a result longer than `max` tells the caller the input was too large,
/// for parsers that report that themselves.
pub fn read_capped(r: impl Read, max: usize) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    let cap = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
    r.take(cap).read_to_end(&mut buf)?;
    Ok(buf)
}

/// The file at `path`, read as [`read_capped`] does (at most `max + 1` bytes); directories are refused.
pub fn read_capped_file(path: &Path, max: usize) -> Result<Vec<u8>, ReadError> {
    let f = std::fs::File::open(path)?;
    // Asked of the open file, not of the path: what is read is what was checked.
    if f.metadata()?.is_dir() {
        return Err(ReadError::Directory);
    }
    Ok(read_capped(f, max)?)
}

/// The file at `path` if it holds at most `max` bytes; directories and larger files are refused.
pub fn read_bounded(path: &Path, max: usize) -> Result<Vec<u8>, ReadError> {
    let bytes = read_capped_file(path, max)?;
    if bytes.len() > max {
        return Err(ReadError::TooLarge { max });
    }
    Ok(bytes)
}

/// The largest private-key file read: an RSA-4096 PEM with its certificate is a few kilobytes.
pub const MAX_KEY_FILE: usize = 64 * 1024;

/// Reads an SP's RSA private key (PEM: PKCS#8 or PKCS#1) that opens encrypted assertions, for `response check
/// --sp-decryption-key` and the app's pasted-response check. The file's bytes are wiped from memory once parsed;
/// errors name the file, never its content.
pub fn read_decryption_key(path: &Path) -> Result<ssopilot_saml::xmlenc::DecryptionKey, String> {
    let bytes = zeroize::Zeroizing::new(match read_bounded(path, MAX_KEY_FILE) {
        Ok(b) => b,
        Err(ReadError::TooLarge { max }) => {
            return Err(format!(
                "{} is larger than {max} bytes: it is not a private key PEM file",
                path.display()
            ))
        }
        Err(e) => {
            return Err(format!(
                "cannot read the SP decryption key {}: {e}",
                path.display()
            ))
        }
    });
    let text = std::str::from_utf8(&bytes).map_err(|_| {
        format!(
            "{} is not PEM text: give the SP's private key in PEM",
            path.display()
        )
    })?;
    ssopilot_saml::xmlenc::DecryptionKey::from_pem(text)
        .map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_most_one_byte_more_than_the_limit_is_read() {
        let data = vec![7u8; 1000];
        assert_eq!(read_capped(&data[..], 10).unwrap().len(), 11);
        assert_eq!(read_capped(&data[..], 5000).unwrap().len(), 1000);
        // An endless input ends at the cap.
        assert_eq!(read_capped(std::io::repeat(1), 64).unwrap().len(), 65);
    }

    #[test]
    fn files_over_the_limit_and_directories_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, b"0123456789").unwrap();
        assert_eq!(read_bounded(&path, 10).unwrap(), b"0123456789");
        let e = read_bounded(&path, 9).unwrap_err();
        assert!(matches!(e, ReadError::TooLarge { max: 9 }), "{e}");
        assert_eq!(read_capped_file(&path, 9).unwrap().len(), 10);
        assert!(matches!(
            read_bounded(dir.path(), 10).unwrap_err(),
            ReadError::Directory
        ));
        assert!(matches!(
            read_bounded(&dir.path().join("missing"), 10).unwrap_err(),
            ReadError::Io(_)
        ));
    }
}
