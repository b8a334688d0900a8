-- Owners' secret settings, sealed: a JSON map of setting to `sealed:v1:<key id>:<data>`
-- (XChaCha20-Poly1305 under a key the database never holds). The server seals what the plain
-- `secrets` column still holds when it starts, and empties it; nothing writes that column
-- any more.
ALTER TABLE tenants ADD COLUMN sealed_secrets TEXT NOT NULL DEFAULT '{}';
