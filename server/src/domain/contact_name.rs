//! The name an agent sees for a customer: the profile's name when Meta gave it, otherwise a
//! readable fallback that still tells customers apart ("Facebook user ···1234").

/// The name from the profile, if it has one.
pub fn profile_name(first: Option<&str>, last: Option<&str>) -> Option<String> {
    let parts: Vec<&str> = [first, last]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    (!parts.is_empty()).then(|| parts.join(" "))
}

/// The last four characters of the page-scoped ID, after a middle dot ellipsis.
pub fn id_suffix(external_id: &str) -> String {
    let chars: Vec<char> = external_id.chars().collect();
    let tail: String = chars[chars.len().saturating_sub(4)..].iter().collect();
    format!("···{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_profile_name_joins_what_meta_gave() {
        assert_eq!(
            profile_name(Some("Maria"), Some("Silva")),
            Some("Maria Silva".to_owned())
        );
        assert_eq!(profile_name(Some("Maria"), None), Some("Maria".to_owned()));
        assert_eq!(profile_name(Some(" "), Some("")), None);
        assert_eq!(profile_name(None, None), None);
    }

    #[test]
    fn the_fallback_shows_the_end_of_the_id() {
        assert_eq!(id_suffix("7300112233441234"), "···1234");
        assert_eq!(id_suffix("12"), "···12");
    }
}
