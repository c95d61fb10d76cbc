//! Attachment storage: files in a folder (`attachments_dir`), named by a random key, with their
//! records in the `media` table. `fetcher` downloads customers' media and profile pictures from
//! Meta (25 MiB cap, timeouts, retries); `http` serves files to signed-in users, agents' uploads
//! to Meta by an unguessable URL, and takes agents' uploads.

pub mod fetcher;
pub mod http;

use std::path::{Path, PathBuf};

use anyhow::Context;

/// Meta's attachment limit, both ways.
pub const MAX_BYTES: usize = 25 * 1024 * 1024;

#[derive(Debug, Clone)]
pub struct MediaFiles {
    root: PathBuf,
}

impl MediaFiles {
    pub fn new(root: impl Into<PathBuf>) -> MediaFiles {
        MediaFiles { root: root.into() }
    }

    /// Writes `bytes` under a new random key (`YYYY/MM/uuid`) and returns the key. The file is
    /// written aside and renamed into place, so a crash never leaves half a file under a key.
    pub async fn write(&self, bytes: &[u8]) -> anyhow::Result<String> {
        let month = chrono::Utc::now().format("%Y/%m").to_string();
        let key = format!("{month}/{}", uuid::Uuid::new_v4().simple());
        let path = self.path(&key);
        let folder = path.parent().context("a key always has a folder")?;
        tokio::fs::create_dir_all(folder)
            .await
            .with_context(|| format!("Failed to create {}", folder.display()))?;
        let partial = path.with_extension("partial");
        tokio::fs::write(&partial, bytes)
            .await
            .with_context(|| format!("Failed to write {}", partial.display()))?;
        tokio::fs::rename(&partial, &path)
            .await
            .with_context(|| format!("Failed to move {} into place", path.display()))?;
        Ok(key)
    }

    /// Deletes a key's file; one already gone is fine (a pass cut short, a second instance).
    pub async fn remove(&self, key: &str) -> anyhow::Result<()> {
        match tokio::fs::remove_file(self.path(key)).await {
            Ok(()) => Ok(()),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(error) => Err(anyhow::Error::new(error).context("Failed to delete an attachment")),
        }
    }

    /// Where a key's file is. Keys are made by `write`, never taken from a request.
    pub fn path(&self, key: &str) -> PathBuf {
        self.root.join(Path::new(key))
    }
}

/// Why a body was not read whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadError {
    TooLarge,
    Interrupted,
}

/// Reads a response body, giving up as soon as it passes `cap` bytes (a stated
/// Content-Length over the cap is refused before reading anything).
pub async fn read_capped(
    response: &mut reqwest::Response,
    cap: usize,
) -> Result<Vec<u8>, ReadError> {
    if response
        .content_length()
        .is_some_and(|length| length > cap as u64)
    {
        return Err(ReadError::TooLarge);
    }
    let mut bytes = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) if bytes.len() + chunk.len() <= cap => bytes.extend_from_slice(&chunk),
            Ok(Some(_)) => return Err(ReadError::TooLarge),
            Ok(None) => return Ok(bytes),
            Err(_) => return Err(ReadError::Interrupted),
        }
    }
}

/// A content type as a remote server sent it, reduced to `type/subtype` (parameters and
/// anything odd dropped), or a generic one.
pub fn clean_content_type(header: Option<&str>) -> String {
    let essence = header
        .and_then(|value| value.split(';').next())
        .map(|value| value.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let valid = essence.split_once('/').is_some_and(|(kind, sub)| {
        let token = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "!#$&-^_.+".contains(c))
        };
        token(kind) && token(sub)
    });
    if valid {
        essence
    } else {
        "application/octet-stream".to_owned()
    }
}

/// Types an agent may send (what Messenger accepts and a browser can show).
pub fn uploadable(content_type: &str) -> bool {
    matches!(
        content_type,
        "image/jpeg"
            | "image/png"
            | "image/gif"
            | "image/webp"
            | "video/mp4"
            | "audio/mpeg"
            | "audio/mp4"
            | "audio/ogg"
            | "application/pdf"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types_are_reduced_to_their_essence() {
        assert_eq!(
            clean_content_type(Some("image/JPEG; charset=binary")),
            "image/jpeg"
        );
        assert_eq!(
            clean_content_type(Some("text/html\r\nX: y")),
            "application/octet-stream"
        );
        assert_eq!(clean_content_type(None), "application/octet-stream");
    }

    #[tokio::test]
    async fn files_are_written_under_fresh_keys() {
        let dir = tempfile::tempdir().expect("tempdir");
        let files = MediaFiles::new(dir.path());
        let one = files.write(b"one").await.expect("written");
        let two = files.write(b"two").await.expect("written");
        assert_ne!(one, two);
        assert_eq!(std::fs::read(files.path(&one)).expect("read"), b"one");
        assert!(!files.path(&one).with_extension("partial").exists());
    }
}
