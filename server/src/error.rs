//! The one way a server-side failure becomes the browser's `AppError::Internal`: logged here
//! with its whole chain (the request's span says which page or server function it was), and
//! never shown to the user beyond "something went wrong". Replaces a copy per service module.

use app::error::AppError;

/// `result.map_err(internal)?` for any error that anyhow can hold (sqlx, io, anyhow itself).
pub fn internal(error: impl Into<anyhow::Error>) -> AppError {
    let error = error.into();
    tracing::error!(error = ?error, "Request failed");
    AppError::Internal
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_failure_reaches_the_browser_as_internal_only() {
        let io = std::io::Error::other("disk on fire at /var/lib/atende");
        assert_eq!(internal(io), AppError::Internal);
        assert_eq!(internal(anyhow::anyhow!("token EAAB…")), AppError::Internal);
    }
}
