//! The gateway key: `Authorization: Bearer KEY` or `x-api-key: KEY`, compared in constant
//! time.

use axum::http::HeaderMap;

/// Whether the request carries `key` (always true when no key is configured).
pub fn allowed(headers: &HeaderMap, key: Option<&str>) -> bool {
    let Some(key) = key else { return true };
    let bearer = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim);
    let x = headers
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim);
    [bearer, x]
        .into_iter()
        .flatten()
        .any(|given| constant_eq(given.as_bytes(), key.as_bytes()))
}

fn constant_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Whether every address `host` names is a loopback address.
pub fn is_loopback(host: &str) -> bool {
    use std::net::ToSocketAddrs;
    match (host, 0).to_socket_addrs() {
        Ok(addrs) => {
            let v: Vec<_> = addrs.collect();
            !v.is_empty() && v.iter().all(|a| a.ip().is_loopback())
        }
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_or_x_api_key() {
        let mut h = HeaderMap::new();
        assert!(!allowed(&h, Some("sk-a")));
        assert!(allowed(&h, None));
        h.insert("authorization", "Bearer sk-a".parse().unwrap());
        assert!(allowed(&h, Some("sk-a")));
        assert!(!allowed(&h, Some("sk-b")));
        let mut h = HeaderMap::new();
        h.insert("x-api-key", "sk-a".parse().unwrap());
        assert!(allowed(&h, Some("sk-a")));
    }

    /// Wrong keys of the right length are refused, including ones whose byte differences
    /// cancel out under XOR (`ba` for `ab`): the comparison ORs the differences together.
    #[test]
    fn wrong_keys_of_the_same_length() {
        let bearer = |k: &str| {
            let mut h = HeaderMap::new();
            h.insert("authorization", format!("Bearer {k}").parse().unwrap());
            h
        };
        for wrong in ["ba", "aa", "bb", "AB", "a", "abc", ""] {
            assert!(!allowed(&bearer(wrong), Some("ab")), "{wrong:?}");
            assert!(!constant_eq(wrong.as_bytes(), b"ab"), "{wrong:?}");
        }
        assert!(allowed(&bearer("ab"), Some("ab")));
        assert!(constant_eq(b"ab", b"ab") && constant_eq(b"", b""));
        let key = "sk-gw-7f3a9c2e";
        assert!(!allowed(&bearer("sk-gw-7f3a9ce2"), Some(key)));
        assert!(allowed(&bearer(key), Some(key)));
    }

    #[test]
    fn loopback() {
        assert!(is_loopback("127.0.0.1"));
        assert!(is_loopback("::1"));
        assert!(is_loopback("localhost"));
        assert!(!is_loopback("0.0.0.0"));
        assert!(!is_loopback("192.0.2.1"));
    }
}
