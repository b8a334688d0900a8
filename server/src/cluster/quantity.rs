//! Kubernetes resource quantities (`500m`, `1`, `128Mi`, `5Gi`) as exact integers, so quota
//! arithmetic adds and compares them as the API server does. Pure, unit-tested below.

/// Errors of reading a quantity.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuantityError {
    /// The text is not a Kubernetes quantity.
    #[error("{0:?} is not a quantity (e.g. 500m, 2, 128Mi, 5Gi)")]
    Malformed(String),
    /// The quantity is too large to count with.
    #[error("{0:?} is too large")]
    TooLarge(String),
}

/// Result of reading a quantity.
pub type Result<T> = std::result::Result<T, QuantityError>;

/// A quantity in thousandths of its unit (millicores, millibytes, millipods), which holds
/// every value Kubernetes accepts for requests and limits exactly.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Amount(pub i128);

const BINARY: [(&str, u32); 6] = [
    ("Ki", 1),
    ("Mi", 2),
    ("Gi", 3),
    ("Ti", 4),
    ("Pi", 5),
    ("Ei", 6),
];
const DECIMAL: [(&str, i32); 7] = [
    ("m", -3),
    ("k", 3),
    ("M", 6),
    ("G", 9),
    ("T", 12),
    ("P", 15),
    ("E", 18),
];

impl Amount {
    /// Nothing.
    pub const ZERO: Amount = Amount(0);

    /// A whole number of units (pods, claims).
    pub fn units(count: i64) -> Self {
        Self(i128::from(count) * 1000)
    }

    /// Reads a quantity as Kubernetes writes it. A fraction finer than a thousandth of the
    /// unit is rounded up, as the API server does for millicores.
    pub fn parse(text: &str) -> Result<Self> {
        let malformed = || QuantityError::Malformed(text.to_owned());
        let trimmed = text.trim();
        let split = trimmed
            .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+' || c == '-'))
            .unwrap_or(trimmed.len());
        let (number, suffix) = trimmed.split_at(split);
        let (negative, number) = match number.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, number.strip_prefix('+').unwrap_or(number)),
        };
        let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
        if (whole.is_empty() && fraction.is_empty())
            || !whole
                .bytes()
                .chain(fraction.bytes())
                .all(|b| b.is_ascii_digit())
            || fraction.len() > 30
            || whole.len() > 30
        {
            return Err(malformed());
        }
        let digits: i128 = format!("{whole}{fraction}")
            .parse()
            .map_err(|_| QuantityError::TooLarge(text.to_owned()))?;
        // value = digits × 10^-fraction.len() × multiplier; we keep thousandths.
        let (binary, exponent) = if let Some((_, power)) = BINARY.iter().find(|(s, _)| *s == suffix)
        {
            (Some(*power), 0)
        } else if let Some((_, exponent)) = DECIMAL.iter().find(|(s, _)| *s == suffix) {
            (None, *exponent)
        } else if suffix.is_empty() {
            (None, 0)
        } else if let Some(exponent) = suffix.strip_prefix(['e', 'E']) {
            (None, exponent.parse::<i32>().map_err(|_| malformed())?)
        } else {
            return Err(malformed());
        };
        let too_large = || QuantityError::TooLarge(text.to_owned());
        let mut value = digits.checked_mul(1000).ok_or_else(too_large)?;
        if let Some(power) = binary {
            value = value
                .checked_mul(1024_i128.pow(power))
                .ok_or_else(too_large)?;
        }
        let scale = exponent - i32::try_from(fraction.len()).map_err(|_| malformed())?;
        if scale >= 0 {
            let factor = 10_i128
                .checked_pow(scale.unsigned_abs())
                .ok_or_else(too_large)?;
            value = value.checked_mul(factor).ok_or_else(too_large)?;
        } else {
            let divisor = 10_i128
                .checked_pow(scale.unsigned_abs())
                .ok_or_else(too_large)?;
            value = (value + divisor - 1) / divisor;
        }
        Ok(Self(if negative { -value } else { value }))
    }

    /// The sum of two amounts.
    pub fn plus(self, other: Amount) -> Amount {
        Amount(self.0.saturating_add(other.0))
    }

    /// This amount `count` times.
    pub fn times(self, count: i64) -> Amount {
        Amount(self.0.saturating_mul(i128::from(count)))
    }

    /// How the API server writes this amount of `resource` (its canonical form): `500m`,
    /// `1`, `640Mi`, `3`. Memory and storage in the largest binary unit that holds it exactly.
    pub fn canonical(self, resource: &str) -> String {
        if is_bytes(resource) && self.0 % 1000 == 0 {
            let bytes = self.0 / 1000;
            if bytes != 0 {
                for (suffix, power) in BINARY.iter().rev() {
                    let unit = 1024_i128.pow(*power);
                    if bytes % unit == 0 {
                        return format!("{}{suffix}", bytes / unit);
                    }
                }
            }
            return bytes.to_string();
        }
        if self.0 % 1000 == 0 {
            (self.0 / 1000).to_string()
        } else {
            format!("{}m", self.0)
        }
    }

    /// How people read this amount of `resource`: CPU in cores (`2.5`), memory and storage
    /// in Mi or Gi (`1.75Gi`), counts as numbers.
    pub fn human(self, resource: &str) -> String {
        if is_bytes(resource) {
            let bytes = self.0 as f64 / 1000.0;
            let gi = bytes / f64::from(1u32 << 30);
            if gi >= 1.0 {
                return format!("{}Gi", trim(gi));
            }
            return format!("{}Mi", trim(bytes / f64::from(1u32 << 20)));
        }
        trim(self.0 as f64 / 1000.0)
    }
}

/// Whether a quota resource counts bytes (memory, storage) rather than cores or objects.
fn is_bytes(resource: &str) -> bool {
    resource.contains("memory") || resource.contains("storage")
}

fn trim(value: f64) -> String {
    let text = format!("{value:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> i128 {
        Amount::parse(text).unwrap().0
    }

    #[test]
    fn reads_cpu_memory_and_counts() {
        assert_eq!(parse("500m"), 500);
        assert_eq!(parse("1"), 1000);
        assert_eq!(parse("2.5"), 2500);
        assert_eq!(parse("0.1"), 100);
        assert_eq!(parse("128Mi"), 128 * 1024 * 1024 * 1000);
        assert_eq!(parse("1Gi"), 1024 * 1024 * 1024 * 1000);
        assert_eq!(parse("1G"), 1_000_000_000_000);
        assert_eq!(parse("1e3"), 1_000_000);
        assert_eq!(parse("1.5Gi"), parse("1536Mi"));
        assert_eq!(parse("10"), Amount::units(10).0);
    }

    #[test]
    fn refuses_what_is_not_a_quantity() {
        for text in ["", "m", "1.2.3", "12 cores", "1Gb", "x1", "--1"] {
            assert!(Amount::parse(text).is_err(), "{text}");
        }
    }

    #[test]
    fn writes_quantities_as_the_api_server_does() {
        let cpu = |t| Amount::parse(t).unwrap().canonical("limits.cpu");
        let memory = |t| Amount::parse(t).unwrap().canonical("limits.memory");
        assert_eq!(cpu("500m"), "500m");
        assert_eq!(cpu("1000m"), "1");
        assert_eq!(cpu("1.5"), "1500m");
        assert_eq!(memory("1024Mi"), "1Gi");
        assert_eq!(memory("1536Mi"), "1536Mi");
        assert_eq!(memory("0"), "0");
        assert_eq!(Amount::units(3).canonical("pods"), "3");
    }

    #[test]
    fn writes_amounts_for_people() {
        assert_eq!(Amount::parse("2500m").unwrap().human("limits.cpu"), "2.5");
        assert_eq!(Amount::parse("50m").unwrap().human("requests.cpu"), "0.05");
        assert_eq!(
            Amount::parse("1792Mi").unwrap().human("limits.memory"),
            "1.75Gi"
        );
        assert_eq!(
            Amount::parse("448Mi").unwrap().human("requests.memory"),
            "448Mi"
        );
        assert_eq!(Amount::units(4).human("pods"), "4");
    }
}
