//! Presigned links for any S3 request (AWS Signature Version 4 in the query string), for the
//! requests the storage crate's own signer cannot name: one part of a multipart upload, and
//! the upload's completion. Pure: the time is given.
//!
//! <https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html>

use std::fmt::Write as _;
use std::time::Duration;

use hmac::{Hmac, Mac};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use sha2::{Digest, Sha256};
use time::macros::format_description;
use time::OffsetDateTime;
use url::Url;

/// Everything but the unreserved characters is encoded, as SigV4 asks.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Who signs: an access key, its secret, and a session token where the key is temporary.
pub struct Signer<'a> {
    /// The access key id.
    pub key_id: &'a str,
    /// Its secret.
    pub secret: &'a str,
    /// The session token of temporary credentials.
    pub token: Option<&'a str>,
    /// The bucket's region.
    pub region: &'a str,
}

fn hmac(key: &[u8], data: &str) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(data.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

fn encode(text: &str) -> String {
    utf8_percent_encode(text, UNRESERVED).to_string()
}

impl Signer<'_> {
    /// `url` (its own query kept) signed for `method`, valid from `at` for `expires_in`.
    pub fn presign(
        &self,
        method: &str,
        url: &Url,
        at: OffsetDateTime,
        expires_in: Duration,
    ) -> Url {
        let day = at
            .format(format_description!("[year][month][day]"))
            .expect("a date formats");
        let stamp = at
            .format(format_description!(
                "[year][month][day]T[hour][minute][second]Z"
            ))
            .expect("a time formats");
        let scope = format!("{day}/{}/s3/aws4_request", self.region);
        let mut signed = url.clone();
        {
            let mut query = signed.query_pairs_mut();
            query
                .append_pair("X-Amz-Algorithm", "AWS4-HMAC-SHA256")
                .append_pair("X-Amz-Credential", &format!("{}/{scope}", self.key_id))
                .append_pair("X-Amz-Date", &stamp)
                .append_pair("X-Amz-Expires", &expires_in.as_secs().to_string())
                .append_pair("X-Amz-SignedHeaders", "host");
            if let Some(token) = self.token {
                query.append_pair("X-Amz-Security-Token", token);
            }
        }
        let mut pairs: Vec<(String, String)> = signed
            .query_pairs()
            .map(|(k, v)| (encode(&k), encode(&v)))
            .collect();
        pairs.sort();
        let query = pairs
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&");
        let host = &signed[url::Position::BeforeHost..url::Position::AfterPort];
        let request = format!(
            "{method}\n{}\n{query}\nhost:{host}\n\nhost\nUNSIGNED-PAYLOAD",
            signed.path()
        );
        let to_sign = format!(
            "AWS4-HMAC-SHA256\n{stamp}\n{scope}\n{}",
            hex::encode(Sha256::digest(request.as_bytes()))
        );
        let mut key = hmac(format!("AWS4{}", self.secret).as_bytes(), &day);
        for part in [self.region, "s3", "aws4_request"] {
            key = hmac(&key, part);
        }
        let mut signature = String::with_capacity(64);
        for byte in hmac(&key, &to_sign) {
            let _ = write!(signature, "{byte:02x}");
        }
        signed
            .query_pairs_mut()
            .append_pair("X-Amz-Signature", &signature);
        signed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example() -> Signer<'static> {
        Signer {
            key_id: "AKIAIOSFODNN7EXAMPLE",
            secret: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            token: None,
            region: "us-east-1",
        }
    }

    fn may_24_2013() -> OffsetDateTime {
        time::macros::datetime!(2013-05-24 00:00:00 UTC)
    }

    #[test]
    fn signs_the_documented_example_as_aws_does() {
        let url = Url::parse("https://examplebucket.s3.amazonaws.com/test.txt").unwrap();
        let signed = example().presign("GET", &url, may_24_2013(), Duration::from_secs(86400));
        assert_eq!(
            signed.as_str(),
            "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&\
             X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&\
             X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&\
             X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
        );
    }

    #[test]
    fn the_requests_own_query_is_signed_and_kept() {
        let plain = Url::parse("http://127.0.0.1:9000/b/k.dump").unwrap();
        let part =
            Url::parse("http://127.0.0.1:9000/b/k.dump?partNumber=2&uploadId=a%2Fb").unwrap();
        let at = may_24_2013();
        let a = example().presign("PUT", &plain, at, Duration::from_secs(60));
        let b = example().presign("PUT", &part, at, Duration::from_secs(60));
        assert!(
            b.as_str()
                .contains("partNumber=2&uploadId=a%2Fb&X-Amz-Algorithm"),
            "{b}"
        );
        let signature = |u: &Url| {
            u.query_pairs()
                .find(|(k, _)| k == "X-Amz-Signature")
                .map(|(_, v)| v.into_owned())
        };
        assert_ne!(
            signature(&a),
            signature(&b),
            "the part's query is part of the signature"
        );
        let post = example().presign("POST", &part, at, Duration::from_secs(60));
        assert_ne!(signature(&post), signature(&b), "so is the method");
    }
}
