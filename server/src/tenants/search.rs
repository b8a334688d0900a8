//! The admin tenants table: one page of a search, in one count and one page query.

use app::domain::paging::{clamp_page, offset, page_count, PAGE_SIZE};
use app::domain::{TenantPage, TenantQuery};
use app::error::AppError;

use super::service::internal;
use super::TenantService;
use crate::db::tenant_search;

impl TenantService {
    /// One page of the tenants matching `query`, in its order; a page beyond the end is the
    /// last page.
    pub async fn search(&self, query: &TenantQuery) -> Result<TenantPage, AppError> {
        let total = tenant_search::count(self.pool(), query)
            .await
            .map_err(internal)?;
        let pages = page_count(total);
        let page = clamp_page(query.page, pages);
        let rows = tenant_search::page(self.pool(), query, u64::from(PAGE_SIZE), offset(page))
            .await
            .map_err(internal)?;
        Ok(TenantPage {
            rows: rows
                .into_iter()
                .map(|(tenant, owner)| self.view(&tenant, owner))
                .collect(),
            total,
            page,
            pages,
        })
    }
}
