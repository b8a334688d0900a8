//! Pages of a long list: their size, which page a URL asks for, and the links to the others.

/// Rows on one page of an admin table.
pub const PAGE_SIZE: u32 = 50;

/// The line above a table: "125 tenants · page 1 of 3", with the noun in the singular for one.
pub fn summary(total: u64, page: u32, pages: u32, one: &str, many: &str) -> String {
    let noun = if total == 1 { one } else { many };
    format!("{total} {noun} · page {page} of {pages}")
}

/// The page a URL asks for: 1 when it is missing, 0, negative or not a number.
pub fn parse_page(raw: Option<&str>) -> u32 {
    raw.and_then(|text| text.trim().parse::<u32>().ok())
        .filter(|page| *page >= 1)
        .unwrap_or(1)
}

/// How many pages `total` rows fill (at least one, which may be empty).
pub fn page_count(total: u64) -> u32 {
    let pages = total.div_ceil(u64::from(PAGE_SIZE)).max(1);
    u32::try_from(pages).unwrap_or(u32::MAX)
}

/// The page to show: the one asked for, or the last one when it is beyond the end.
pub fn clamp_page(page: u32, pages: u32) -> u32 {
    page.clamp(1, pages.max(1))
}

/// How many rows come before `page`.
pub fn offset(page: u32) -> u64 {
    u64::from(page.max(1) - 1) * u64::from(PAGE_SIZE)
}

/// The page numbers to link to around `page`: the first, the last, and two on either side,
/// with `None` where numbers are left out.
pub fn page_links(page: u32, pages: u32) -> Vec<Option<u32>> {
    let mut links = Vec::new();
    let mut last = 0;
    for number in 1..=pages {
        let near = number.abs_diff(page) <= 2;
        if number == 1 || number == pages || near {
            if number > last + 1 {
                links.push(None);
            }
            links.push(Some(number));
            last = number;
        }
    }
    links
}

/// Percent-encodes a URL query value (everything but unreserved characters).
pub fn encode_query_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(byte));
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// A query string (`a=1&b=x%20y`) of the pairs whose value is not empty.
pub fn query_string(pairs: &[(&str, String)]) -> String {
    pairs
        .iter()
        .filter(|(_, value)| !value.is_empty())
        .map(|(key, value)| format!("{key}={}", encode_query_value(value)))
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {

    #[test]
    fn the_summary_counts_in_the_right_number() {
        assert_eq!(
            summary(1, 1, 1, "entry", "entries"),
            "1 entry · page 1 of 1"
        );
        assert_eq!(
            summary(125, 2, 3, "tenant", "tenants"),
            "125 tenants · page 2 of 3"
        );
    }
    use super::*;

    #[test]
    fn garbage_zero_and_negative_pages_are_the_first() {
        for raw in [
            None,
            Some(""),
            Some("0"),
            Some("-3"),
            Some("two"),
            Some("1e3"),
        ] {
            assert_eq!(parse_page(raw), 1, "{raw:?}");
        }
        assert_eq!(parse_page(Some(" 7 ")), 7);
    }

    #[test]
    fn pages_hold_fifty_rows() {
        assert_eq!(page_count(0), 1);
        assert_eq!(page_count(50), 1);
        assert_eq!(page_count(51), 2);
        assert_eq!(page_count(10_000), 200);
        assert_eq!(offset(1), 0);
        assert_eq!(offset(3), 100);
        assert_eq!(clamp_page(500, 200), 200);
        assert_eq!(clamp_page(0, 0), 1);
    }

    #[test]
    fn page_links_skip_the_middle_of_long_lists() {
        assert_eq!(page_links(1, 1), vec![Some(1)]);
        assert_eq!(
            page_links(10, 200),
            vec![
                Some(1),
                None,
                Some(8),
                Some(9),
                Some(10),
                Some(11),
                Some(12),
                None,
                Some(200)
            ]
        );
        assert_eq!(page_links(2, 4), vec![Some(1), Some(2), Some(3), Some(4)]);
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(encode_query_value("a b&c=%_'"), "a%20b%26c%3D%25_%27");
        assert_eq!(encode_query_value("é"), "%C3%A9");
        assert_eq!(
            query_string(&[
                ("q", "x y".into()),
                ("state", String::new()),
                ("page", "2".into())
            ]),
            "q=x%20y&page=2"
        );
    }
}
