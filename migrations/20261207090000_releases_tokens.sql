-- Releases: immutable, named versions of a blueprint (the image tag of each component), made
-- in the admin panel, on the command line, or by CI with an API token.
CREATE TABLE releases (
    id TEXT PRIMARY KEY,
    blueprint TEXT NOT NULL REFERENCES blueprints (name),
    name TEXT NOT NULL,
    -- {"component": "tag", ...} as JSON.
    images TEXT NOT NULL,
    notes TEXT NOT NULL,
    -- Who made it, as the audit log names the actor.
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (blueprint, name)
);

-- Tokens automations (CI) call the API with. Only a SHA-256 of each is kept: the token itself
-- is shown once, when it is made.
CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    -- Space-separated scopes, e.g. "releases:write rollouts:write".
    scopes TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at BIGINT
);
