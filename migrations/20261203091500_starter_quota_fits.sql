-- The first starter plan allowed 1 CPU while its blueprint's CPU limits add up to 2.5 (3
-- during a rolling update), so the API server's quota admission refused its pods. Raise it
-- where it is still the seeded value; a plan an operator changed is left alone.
UPDATE plans
SET quota = '{"cpu":"3","memory":"2Gi","storage":"20Gi","pods":10}'
WHERE name = 'starter' AND quota = '{"cpu":"1","memory":"2Gi","storage":"20Gi","pods":10}';
