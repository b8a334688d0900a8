//! The record a tenant's host gets: pure choice of its type from the address the cluster
//! gave.

use std::net::IpAddr;

/// The kinds of address record a tenant's host may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::IntoStaticStr, strum::EnumString)]
#[strum(serialize_all = "UPPERCASE", ascii_case_insensitive)]
pub enum RecordType {
    /// An IPv4 address.
    A,
    /// An IPv6 address.
    Aaaa,
    /// Another host name (e.g. a cloud load balancer's).
    Cname,
}

/// Every address record type: publishing one removes the others of the same name.
pub const ADDRESS_TYPES: [RecordType; 3] = [RecordType::A, RecordType::Aaaa, RecordType::Cname];

impl RecordType {
    /// The name DNS (and every provider's API) uses.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// The type an address needs: A for IPv4, AAAA for IPv6, CNAME for a host name; `None`
    /// when the address is neither.
    pub fn for_address(address: &str) -> Option<Self> {
        match address.parse::<IpAddr>() {
            Ok(IpAddr::V4(_)) => Some(RecordType::A),
            Ok(IpAddr::V6(_)) => Some(RecordType::Aaaa),
            Err(_) if is_host_name(address) => Some(RecordType::Cname),
            Err(_) => None,
        }
    }
}

/// Dot-separated labels of letters, digits, hyphens (and underscores, which some cloud
/// load balancers use), none empty, at most 253 characters; one trailing dot allowed.
fn is_host_name(name: &str) -> bool {
    let name = name.strip_suffix('.').unwrap_or(name);
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
}

/// One address record: `name` (a host, without trailing dot) points at `content`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The host, e.g. `acme.shops.example.com`.
    pub name: String,
    /// A, AAAA or CNAME.
    pub record_type: RecordType,
    /// The address, or the host name a CNAME points at (without trailing dot).
    pub content: String,
}

impl Record {
    /// The record that makes `name` reach `address`; `None` when the address is neither an
    /// IP address nor a host name.
    pub fn for_address(name: &str, address: &str) -> Option<Self> {
        let address = address.trim();
        let record_type = RecordType::for_address(address)?;
        Some(Self {
            name: name.trim_end_matches('.').to_ascii_lowercase(),
            record_type,
            content: match record_type {
                RecordType::Cname => address.trim_end_matches('.').to_ascii_lowercase(),
                _ => address.to_owned(),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_address_decides_the_record_type() {
        assert_eq!(RecordType::for_address("203.0.113.7"), Some(RecordType::A));
        assert_eq!(
            RecordType::for_address("2001:db8::1"),
            Some(RecordType::Aaaa)
        );
        assert_eq!(
            RecordType::for_address("a1b2-123.elb.eu-west-1.amazonaws.com"),
            Some(RecordType::Cname)
        );
        assert_eq!(
            RecordType::for_address("lb.example.test."),
            Some(RecordType::Cname)
        );
        assert_eq!(RecordType::for_address(""), None);
        assert_eq!(RecordType::for_address("not an address"), None);
        assert_eq!(RecordType::for_address("a..b"), None);
        assert_eq!(RecordType::for_address("-lb.example.test"), None);
    }

    #[test]
    fn a_record_is_normalised() {
        let record = Record::for_address("Acme.Shops.Test.", " LB.Example.Test. ").unwrap();
        assert_eq!(record.name, "acme.shops.test");
        assert_eq!(record.record_type, RecordType::Cname);
        assert_eq!(record.content, "lb.example.test");
        let record = Record::for_address("acme.shops.test", "127.0.0.1").unwrap();
        assert_eq!(record.record_type, RecordType::A);
        assert_eq!(record.content, "127.0.0.1");
        assert!(Record::for_address("acme.shops.test", "what?").is_none());
    }

    #[test]
    fn record_types_round_trip() {
        for kind in ADDRESS_TYPES {
            assert_eq!(kind.as_str().parse::<RecordType>().ok(), Some(kind));
        }
        assert_eq!("aaaa".parse::<RecordType>().ok(), Some(RecordType::Aaaa));
        assert_eq!("TXT".parse::<RecordType>().ok(), None);
    }
}
