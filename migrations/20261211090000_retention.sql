-- How long each plan keeps its stores' backups, as JSON: the newest backup of each of the
-- last `daily` days, `weekly` ISO weeks and `monthly` months. A plan without one (NULL)
-- keeps 7 daily, 4 weekly and 12 monthly. The seeded plans get what new installations seed.
ALTER TABLE plans ADD COLUMN retention TEXT;
UPDATE plans SET retention = '{"daily":7,"weekly":4,"monthly":3}'
WHERE name = 'starter' AND retention IS NULL;
UPDATE plans SET retention = '{"daily":14,"weekly":8,"monthly":12}'
WHERE name = 'pro' AND retention IS NULL;
