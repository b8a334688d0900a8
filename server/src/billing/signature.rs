//! Stripe's webhook signature: `Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>…]`,
//! where each `v1` is HMAC-SHA256 of `"{t}.{body}"` under the endpoint's secret. Pure code.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

/// Why a delivery is not accepted as Stripe's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// No `Stripe-Signature` header.
    #[error("no Stripe-Signature header")]
    Missing,
    /// The header has no timestamp or no `v1` signature, or one is not well formed.
    #[error("malformed Stripe-Signature header")]
    Malformed,
    /// No `v1` signature matches the body under the secret.
    #[error("no signature matches")]
    Mismatch,
    /// The signature is older (or further in the future) than the tolerance allows.
    #[error("timestamp outside the tolerance")]
    Stale,
}

/// Result of verifying a signature.
pub type Result<T, E = SignatureError> = std::result::Result<T, E>;

/// The `v1` signature of `body` signed at `timestamp` (unix seconds), in lowercase hex.
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    hex::encode(mac(secret, timestamp, body).finalize().into_bytes())
}

/// A whole `Stripe-Signature` header value for `body`, as Stripe sends it.
pub fn header(secret: &str, timestamp: i64, body: &[u8]) -> String {
    format!("t={timestamp},v1={}", sign(secret, timestamp, body))
}

fn mac(secret: &str, timestamp: i64, body: &[u8]) -> HmacSha256 {
    let mut mac =
        HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// Checks that `header` signs `body` under `secret` within `tolerance_secs` of `now_secs`.
/// Any one matching `v1` signature is enough (Stripe sends several while a secret rolls);
/// signatures of other schemes are ignored. Compares in constant time.
pub fn verify(
    secret: &str,
    header: Option<&str>,
    body: &[u8],
    now_secs: i64,
    tolerance_secs: i64,
) -> Result<()> {
    let header = header.ok_or(SignatureError::Missing)?;
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        let Some((key, value)) = part.trim().split_once('=') else {
            return Err(SignatureError::Malformed);
        };
        match key {
            "t" => {
                let t = value
                    .parse::<i64>()
                    .map_err(|_| SignatureError::Malformed)?;
                timestamp = Some(t);
            }
            "v1" => signatures.push(hex::decode(value).map_err(|_| SignatureError::Malformed)?),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::Malformed)?;
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    let expected = mac(secret, timestamp, body).finalize().into_bytes();
    let matches = signatures
        .iter()
        .fold(subtle::Choice::from(0), |any, candidate| {
            any | expected.as_slice().ct_eq(candidate.as_slice())
        });
    if !bool::from(matches) {
        return Err(SignatureError::Mismatch);
    }
    if (now_secs - timestamp).abs() > tolerance_secs {
        return Err(SignatureError::Stale);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_test";
    const BODY: &[u8] = br#"{"id":"evt_1","type":"invoice.paid"}"#;
    const NOW: i64 = 1_800_000_000;

    fn check(header: Option<&str>) -> Result<()> {
        verify(SECRET, header, BODY, NOW, 300)
    }

    #[test]
    fn accepts_a_fresh_signature_of_the_body() {
        assert_eq!(check(Some(&super::header(SECRET, NOW - 10, BODY))), Ok(()));
    }

    #[test]
    fn matches_stripes_documented_construction() {
        // HMAC-SHA256("whsec_test", "1800000000.{body}") computed independently.
        let mut mac = HmacSha256::new_from_slice(SECRET.as_bytes()).unwrap();
        mac.update(b"1800000000.");
        mac.update(BODY);
        assert_eq!(
            sign(SECRET, NOW, BODY),
            hex::encode(mac.finalize().into_bytes())
        );
    }

    #[test]
    fn any_matching_v1_among_several_is_enough() {
        let good = sign(SECRET, NOW, BODY);
        let header = format!("t={NOW},v1={},v0=abc,v1={good}", "00".repeat(32));
        assert_eq!(check(Some(&header)), Ok(()));
    }

    #[test]
    fn refuses_a_missing_header() {
        assert_eq!(check(None), Err(SignatureError::Missing));
    }

    #[test]
    fn refuses_another_secret() {
        let header = super::header("whsec_other", NOW, BODY);
        assert_eq!(check(Some(&header)), Err(SignatureError::Mismatch));
    }

    #[test]
    fn refuses_a_changed_body() {
        let header = super::header(SECRET, NOW, b"{}");
        assert_eq!(check(Some(&header)), Err(SignatureError::Mismatch));
    }

    #[test]
    fn refuses_old_and_future_timestamps() {
        let old = super::header(SECRET, NOW - 301, BODY);
        assert_eq!(check(Some(&old)), Err(SignatureError::Stale));
        let future = super::header(SECRET, NOW + 301, BODY);
        assert_eq!(check(Some(&future)), Err(SignatureError::Stale));
        let edge = super::header(SECRET, NOW - 300, BODY);
        assert_eq!(check(Some(&edge)), Ok(()));
    }

    #[test]
    fn refuses_malformed_headers() {
        let good = sign(SECRET, NOW, BODY);
        for header in [
            String::new(),
            "garbage".to_owned(),
            format!("v1={good}"),
            format!("t={NOW}"),
            format!("t=soon,v1={good}"),
            format!("t={NOW},v1=not-hex"),
            format!("t={NOW},v0={good}"),
        ] {
            assert_eq!(
                check(Some(&header)),
                Err(SignatureError::Malformed),
                "{header}"
            );
        }
    }
}
