//! The `wildcard` provider: one `*.<base domain>` record, managed outside storefleet, already
//! sends every tenant's host to the ingress; nothing is published per tenant.

use async_trait::async_trait;

use super::{DnsProvider, Record, RecordId, Result};

/// Publishes nothing: a wildcard record covers every tenant.
#[derive(Debug, Clone, Copy, Default)]
pub struct Wildcard;

#[async_trait]
impl DnsProvider for Wildcard {
    fn name(&self) -> &'static str {
        "wildcard"
    }

    async fn publish(&self, _record: &Record) -> Result<Option<RecordId>> {
        Ok(None)
    }

    async fn check(&self) -> Result<String> {
        Ok(
            "wildcard: nothing is published per store; one `*.<base domain>` record, kept \
            outside storefleet, must point at the ingress"
                .to_owned(),
        )
    }

    async fn withdraw(&self, _name: &str, _id: Option<&RecordId>) -> Result<()> {
        Ok(())
    }
}
