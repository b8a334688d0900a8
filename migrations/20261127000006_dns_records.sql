-- The DNS record published for each tenant (none with the wildcard provider): what was
-- written and the provider's id of it, so deleting the tenant removes exactly that record.
CREATE TABLE dns_records (
    tenant_id TEXT PRIMARY KEY REFERENCES tenants (id),
    provider TEXT NOT NULL,
    name TEXT NOT NULL,
    record_type TEXT NOT NULL,
    content TEXT NOT NULL,
    record_id TEXT,
    updated_at BIGINT NOT NULL
);
