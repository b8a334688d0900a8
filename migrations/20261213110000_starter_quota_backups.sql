-- A backup's dump Job asks for 0.5 CPU and 256Mi at most, and may run while a store's update
-- rolls: the starter plan's quota held the update alone, so such a Job's pod was refused.
-- Raise its CPU to hold both, where the operator kept the shipped quota.
UPDATE plans
SET quota = '{"cpu":"3500m","memory":"2Gi","storage":"20Gi","pods":10}'
WHERE name = 'starter' AND quota = '{"cpu":"3","memory":"2Gi","storage":"20Gi","pods":10}';
