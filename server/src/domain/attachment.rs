//! Attachment kinds as stored in `messages.attachments` (`kind`), for every channel.

/// A shared link (Meta's `fallback`): shown as its title and URL, never downloaded.
pub const SHARED_LINK: &str = "fallback";
/// Content Atende could not read: kept and shown as "unsupported", never dropped.
pub const UNSUPPORTED: &str = "unsupported";

/// The kind of an uploaded file by its content type: what the console shows it as and the
/// channel sends it as.
pub fn kind_for(content_type: &str) -> &'static str {
    match content_type.split('/').next() {
        Some("image") => "image",
        Some("video") => "video",
        Some("audio") => "audio",
        _ => "file",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_sent_as_their_content_types_family() {
        assert_eq!(kind_for("image/png"), "image");
        assert_eq!(kind_for("video/mp4"), "video");
        assert_eq!(kind_for("audio/ogg"), "audio");
        assert_eq!(kind_for("application/pdf"), "file");
        assert_eq!(kind_for(""), "file");
    }
}
