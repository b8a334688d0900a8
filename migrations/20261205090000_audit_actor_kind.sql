-- Every audited action names what kind of actor did it: an account (`user`), an operator at
-- the command line, an automation token, a provider's webhook, or storefleet itself. Entries
-- written before were all made by accounts.
ALTER TABLE audit_log ADD COLUMN actor_kind TEXT NOT NULL DEFAULT 'user';
