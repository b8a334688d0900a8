//! What the admin tenants table shows: the search, filters, sort order and page a URL asks
//! for, parsed by the same rules in the browser and on the server.

use serde::{Deserialize, Serialize};

use super::paging::{parse_page, query_string};
use super::tenant::{TenantState, TenantView};

/// The longest search text accepted.
pub const MAX_SEARCH_LEN: usize = 100;

/// A column the tenants table can be sorted by.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum TenantSort {
    /// By subdomain.
    Subdomain,
    /// By creation time.
    Created,
    /// By lifecycle state.
    State,
    /// By plan name.
    Plan,
}

impl TenantSort {
    /// Every sortable column, in table order.
    pub const ALL: [TenantSort; 4] = [
        TenantSort::Subdomain,
        TenantSort::State,
        TenantSort::Plan,
        TenantSort::Created,
    ];

    /// The name in URLs.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// The direction a first click sorts in: newest first for time, A to Z otherwise.
    pub fn natural_descending(self) -> bool {
        self == TenantSort::Created
    }
}

/// Why a tenants URL cannot be shown.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TenantQueryError {
    /// The state filter names no state.
    #[error("There is no tenant state named \"{0}\".")]
    UnknownState(String),
    /// The search text is longer than [`MAX_SEARCH_LEN`].
    #[error("The search text is too long (at most {MAX_SEARCH_LEN} characters).")]
    SearchTooLong,
    /// The plan filter is not a plan name.
    #[error("\"{0}\" is not a plan name.")]
    BadPlan(String),
}

/// A search of the tenants: text in the subdomain or the owner's email (substring, any case),
/// an optional state and plan, a sort order and a page (from 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantQuery {
    /// The search text, trimmed; empty matches every tenant.
    pub text: String,
    /// Only tenants in this state.
    pub state: Option<TenantState>,
    /// Only tenants on this plan.
    pub plan: Option<String>,
    /// The column to sort by.
    pub sort: TenantSort,
    /// Whether the order is descending.
    pub descending: bool,
    /// The page asked for, from 1 (the server shows the last one when it is beyond the end).
    pub page: u32,
}

impl Default for TenantQuery {
    fn default() -> Self {
        Self {
            text: String::new(),
            state: None,
            plan: None,
            sort: TenantSort::Created,
            descending: true,
            page: 1,
        }
    }
}

fn present(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

impl TenantQuery {
    /// Reads the URL's parameters `q`, `state`, `plan`, `sort` (`created`, `-created`, …; a
    /// leading `-` sorts descending) and `page`. An unknown sort or a bad page falls back to
    /// the default; an unknown state, a malformed plan or an overlong search is an error.
    pub fn parse(param: impl Fn(&str) -> Option<String>) -> Result<Self, TenantQueryError> {
        let text = present(param("q")).unwrap_or_default();
        if text.chars().count() > MAX_SEARCH_LEN {
            return Err(TenantQueryError::SearchTooLong);
        }
        let state = present(param("state"))
            .map(|name| {
                name.parse::<TenantState>()
                    .ok()
                    .ok_or(TenantQueryError::UnknownState(name))
            })
            .transpose()?;
        let plan = present(param("plan"))
            .map(|name| {
                let valid = name.len() <= 64
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
                if valid {
                    Ok(name)
                } else {
                    Err(TenantQueryError::BadPlan(name))
                }
            })
            .transpose()?;
        let default = Self::default();
        let (sort, descending) = present(param("sort"))
            .and_then(|raw| {
                let (descending, name) = match raw.strip_prefix('-') {
                    Some(name) => (true, name),
                    None => (false, raw.as_str()),
                };
                name.parse::<TenantSort>()
                    .ok()
                    .map(|sort| (sort, descending))
            })
            .unwrap_or((default.sort, default.descending));
        Ok(Self {
            text,
            state,
            plan,
            sort,
            descending,
            page: parse_page(param("page").as_deref()),
        })
    }

    /// The `sort` parameter of this order.
    pub fn sort_param(&self) -> String {
        let sign = if self.descending { "-" } else { "" };
        format!("{sign}{}", self.sort.as_str())
    }

    /// The query string that asks for this search (defaults left out).
    pub fn query_string(&self) -> String {
        let default = Self::default();
        let sort = if (self.sort, self.descending) == (default.sort, default.descending) {
            String::new()
        } else {
            self.sort_param()
        };
        let page = if self.page > 1 {
            self.page.to_string()
        } else {
            String::new()
        };
        query_string(&[
            ("q", self.text.clone()),
            (
                "state",
                self.state
                    .map(|s| s.as_str().to_owned())
                    .unwrap_or_default(),
            ),
            ("plan", self.plan.clone().unwrap_or_default()),
            ("sort", sort),
            ("page", page),
        ])
    }

    /// The address of the tenants table showing this search.
    pub fn href(&self) -> String {
        match self.query_string() {
            query if query.is_empty() => "/admin/tenants".to_owned(),
            query => format!("/admin/tenants?{query}"),
        }
    }

    /// The same search on another page.
    pub fn on_page(&self, page: u32) -> Self {
        Self {
            page,
            ..self.clone()
        }
    }

    /// The same search sorted by `sort`, from the first page: the other way round when it is
    /// already sorted by it, else in the column's natural direction.
    pub fn sorted_by(&self, sort: TenantSort) -> Self {
        let descending = if self.sort == sort {
            !self.descending
        } else {
            sort.natural_descending()
        };
        Self {
            sort,
            descending,
            page: 1,
            ..self.clone()
        }
    }
}

/// One page of the tenants table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantPage {
    /// The tenants on this page.
    pub rows: Vec<TenantView>,
    /// How many tenants match the search in all.
    pub total: u64,
    /// This page's number, from 1.
    pub page: u32,
    /// How many pages there are (at least 1).
    pub pages: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> Result<TenantQuery, TenantQueryError> {
        TenantQuery::parse(|key| {
            pairs
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| (*v).to_owned())
        })
    }

    #[test]
    fn no_parameters_is_the_newest_first_page() {
        assert_eq!(parse(&[]).unwrap(), TenantQuery::default());
        assert_eq!(TenantQuery::default().href(), "/admin/tenants");
    }

    #[test]
    fn every_parameter_is_read() {
        let query = parse(&[
            ("q", "  Acme "),
            ("state", "ready"),
            ("plan", "pro"),
            ("sort", "-plan"),
            ("page", "3"),
        ])
        .unwrap();
        assert_eq!(
            query,
            TenantQuery {
                text: "Acme".into(),
                state: Some(TenantState::Ready),
                plan: Some("pro".into()),
                sort: TenantSort::Plan,
                descending: true,
                page: 3,
            }
        );
        assert_eq!(
            query.href(),
            "/admin/tenants?q=Acme&state=ready&plan=pro&sort=-plan&page=3"
        );
        assert!(!parse(&[("sort", "subdomain")]).unwrap().descending);
    }

    #[test]
    fn bad_sort_and_page_fall_back_to_defaults() {
        let query = parse(&[("sort", "password_hash"), ("page", "0")]).unwrap();
        assert_eq!(query, TenantQuery::default());
        assert_eq!(parse(&[("page", "x")]).unwrap().page, 1);
        assert_eq!(parse(&[("sort", "-")]).unwrap().sort, TenantSort::Created);
        assert_eq!(
            parse(&[("state", ""), ("plan", " ")]).unwrap(),
            TenantQuery::default()
        );
    }

    #[test]
    fn an_unknown_state_a_bad_plan_or_a_long_search_is_a_clear_error() {
        assert_eq!(
            parse(&[("state", "happy")]),
            Err(TenantQueryError::UnknownState("happy".into()))
        );
        assert_eq!(
            parse(&[("state", "happy")]).unwrap_err().to_string(),
            "There is no tenant state named \"happy\"."
        );
        assert_eq!(
            parse(&[("plan", "pro' OR 1=1")]),
            Err(TenantQueryError::BadPlan("pro' OR 1=1".into()))
        );
        let long = "a".repeat(MAX_SEARCH_LEN + 1);
        assert_eq!(parse(&[("q", &long)]), Err(TenantQueryError::SearchTooLong));
        assert!(parse(&[("q", &"a".repeat(MAX_SEARCH_LEN))]).is_ok());
    }

    #[test]
    fn sql_metacharacters_in_the_search_are_kept_as_typed() {
        let query = parse(&[("q", "50%_o'brien")]).unwrap();
        assert_eq!(query.text, "50%_o'brien");
        assert_eq!(query.href(), "/admin/tenants?q=50%25_o%27brien");
    }

    #[test]
    fn sorting_toggles_the_current_column_and_starts_again_at_page_one() {
        let query = parse(&[("q", "x"), ("page", "4")]).unwrap();
        let by_created = query.sorted_by(TenantSort::Created);
        assert_eq!((by_created.descending, by_created.page), (false, 1));
        let by_plan = query.sorted_by(TenantSort::Plan);
        assert_eq!(
            (by_plan.sort, by_plan.descending),
            (TenantSort::Plan, false)
        );
        assert!(by_plan.sorted_by(TenantSort::Plan).descending);
        assert_eq!(by_plan.href(), "/admin/tenants?q=x&sort=plan");
        assert_eq!(query.on_page(5).href(), "/admin/tenants?q=x&page=5");
    }
}
