-- The catalogue: blueprints (what a tenant runs) and plans (what a customer buys). A
-- blueprint's components and settings are one JSON document, read and written whole.

CREATE TABLE blueprints (
    name TEXT PRIMARY KEY,
    spec TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE plans (
    name TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    blueprint TEXT NOT NULL REFERENCES blueprints (name),
    price_id TEXT,
    monthly_price_cents BIGINT NOT NULL,
    quota TEXT NOT NULL,
    backup_schedule TEXT NOT NULL,
    position BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
