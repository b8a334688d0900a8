-- The admin tenants table lists customers' stores (`standby = 0`) in one of four orders,
-- filtered by state or plan or neither. Each order, alone and after either filter, has an
-- index that serves it already sorted, so a page is read off an index instead of sorting
-- every store on each request. They are partial: standby stores are never listed.
DROP INDEX tenants_by_created;
CREATE INDEX tenants_listed_by_created ON tenants (created_at, subdomain) WHERE standby = 0;
-- With the owner, a search (subdomain or owner email) reads this index alone.
CREATE INDEX tenants_listed_by_subdomain ON tenants (subdomain, owner_id) WHERE standby = 0;
CREATE INDEX tenants_listed_by_state ON tenants (state, subdomain) WHERE standby = 0;
CREATE INDEX tenants_listed_by_plan ON tenants (plan, subdomain) WHERE standby = 0;
CREATE INDEX tenants_listed_by_state_created ON tenants (state, created_at, subdomain) WHERE standby = 0;
CREATE INDEX tenants_listed_by_plan_created ON tenants (plan, created_at, subdomain) WHERE standby = 0;
CREATE INDEX tenants_listed_by_plan_state ON tenants (plan, state, subdomain) WHERE standby = 0;
CREATE INDEX tenants_listed_by_state_plan ON tenants (state, plan, subdomain) WHERE standby = 0;

-- The standby index led with `standby`, so every query on customers' stores (`standby = 0`)
-- took it, and then sorted. Standby stores are few: their index covers them alone.
DROP INDEX tenants_standby_by_plan;
CREATE INDEX tenants_standby_by_plan ON tenants (plan, state, created_at) WHERE standby = 1;
