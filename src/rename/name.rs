//! What makes a valid alias name (the rule `fgc rename` applies to NEW; see docs/rename.md).
//!
//! Clients send the alias as the `model` string of a request and LiteLLM matches it exactly, so
//! the rule only excludes what cannot round-trip through a config file, an environment variable
//! and an HTTP body unchanged, or what LiteLLM reads as something else.

/// The longest name accepted, in bytes. Real aliases are under 100 bytes.
pub const MAX_LEN: usize = 256;

/// Why `name` is not a valid alias name, or `None` when it is.
pub fn validate(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("the name is empty".into());
    }
    if name.len() > MAX_LEN {
        return Some(format!(
            "the name is {} bytes long; the limit is {MAX_LEN}",
            name.len()
        ));
    }
    if let Some(c) = crate::names::forbidden_char(name) {
        return Some(format!(
            "the name contains the control character U+{:04X}",
            c as u32
        ));
    }
    if name.starts_with(char::is_whitespace) || name.ends_with(char::is_whitespace) {
        return Some("the name starts or ends with whitespace".into());
    }
    if name.starts_with("os.environ/") {
        return Some(
            "the name starts with `os.environ/`, which LiteLLM reads as an environment reference"
                .into(),
        );
    }
    None
}

#[cfg(test)]
mod tests {
    use super::validate;

    #[test]
    fn rule() {
        assert_eq!(validate("router-main"), None);
        assert_eq!(validate("gpt 5: fast, cheap"), None);
        assert_eq!(validate("模型"), None);
        assert!(validate("").is_some());
        assert!(validate(" x").is_some());
        assert!(validate("x ").is_some());
        assert!(validate("a\tb").is_some());
        assert!(validate("a\nb").is_some());
        assert!(validate("os.environ/X").is_some());
        assert!(validate(&"x".repeat(257)).is_some());
    }
}
