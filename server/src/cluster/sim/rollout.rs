//! The arithmetic of the simulated workload controllers: template hashes, generated names,
//! and how many pods a rolling Deployment keeps of its old and new ReplicaSets. Pure.

use serde_json::Value;

/// The characters Kubernetes uses in generated names (no vowels, no look-alikes).
const SAFE: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// A stable short hash of a pod template, as in `pod-template-hash` and StatefulSet
/// revisions: the same template always gives the same hash.
pub fn template_hash(template: &Value) -> String {
    // FNV-1a over the template's JSON text (objects keep their key order), hashed as it is
    // written rather than written out first: every status read of a workload asks for it.
    let mut hash = Fnv(0xcbf2_9ce4_8422_2325);
    serde_json::to_writer(&mut hash, template).expect("a JSON value always serialises");
    encode(hash.0, 10)
}

/// FNV-1a, fed by what is written to it.
struct Fnv(u64);

impl std::io::Write for Fnv {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        for byte in bytes {
            self.0 ^= u64::from(*byte);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A random suffix for a generated pod name, e.g. `x2x4z`.
pub fn random_suffix() -> String {
    encode(rand::random::<u64>(), 5)
}

fn encode(mut value: u64, len: usize) -> String {
    let base = SAFE.len() as u64;
    (0..len)
        .map(|_| {
            let c = SAFE[(value % base) as usize];
            value /= base;
            c as char
        })
        .collect()
}

/// `maxSurge` or `maxUnavailable` of a rolling update: a count, or a percentage of `desired`
/// rounded up (surge) or down (unavailable); `default` (a percentage) when unset.
pub fn resolve(field: &Value, desired: i64, round_up: bool, default: i64) -> i64 {
    let percent = |p: i64| {
        if round_up {
            (desired * p + 99) / 100
        } else {
            desired * p / 100
        }
    };
    match field {
        Value::Number(n) => n.as_i64().unwrap_or(0),
        Value::String(s) => s
            .strip_suffix('%')
            .and_then(|p| p.parse().ok())
            .map_or_else(|| percent(default), percent),
        _ => percent(default),
    }
}

/// How many pods a Deployment keeps of its old ReplicaSets and wants of its new one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Targets {
    /// Pods kept, all old ReplicaSets together.
    pub old: i64,
    /// Replicas of the new ReplicaSet.
    pub new: i64,
}

/// One step of a Deployment's rollout, given its pods now.
pub fn targets(deployment: &Value, old_pods: i64, new_pods: i64, new_ready: i64) -> Targets {
    let spec = &deployment["spec"];
    let desired = spec["replicas"].as_i64().unwrap_or(1).max(0);
    if spec["strategy"]["type"] == "Recreate" {
        // Every old pod goes before a new one starts.
        let new = if old_pods == 0 { desired } else { 0 };
        return Targets { old: 0, new };
    }
    let rolling = &spec["strategy"]["rollingUpdate"];
    let surge = resolve(&rolling["maxSurge"], desired, true, 25);
    let mut unavailable = resolve(&rolling["maxUnavailable"], desired, false, 25);
    if surge == 0 && unavailable == 0 {
        unavailable = 1;
    }
    let old = old_pods.min(desired - unavailable - new_ready).max(0);
    let new = (desired + surge - old)
        .clamp(0, desired)
        .max(new_pods.min(desired));
    Targets { old, new }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_template_hash_is_fnv_of_the_templates_json_text() {
        let template = json!({ "metadata": { "labels": { "app": "web" } },
                               "spec": { "containers": [{ "name": "web", "image": "nginx:1.27" }] } });
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in template.to_string().bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        // Names made from it (pods, ReplicaSets, revisions) stay those a saved cluster has.
        assert_eq!(template_hash(&template), encode(hash, 10));
    }

    #[test]
    fn a_template_hash_is_stable_and_follows_the_template() {
        let a = json!({ "spec": { "containers": [{ "image": "shop:1" }] } });
        let b = json!({ "spec": { "containers": [{ "image": "shop:2" }] } });
        assert_eq!(template_hash(&a), template_hash(&a.clone()));
        assert_ne!(template_hash(&a), template_hash(&b));
        assert_eq!(template_hash(&a).len(), 10);
        assert_eq!(random_suffix().len(), 5);
    }

    #[test]
    fn surge_and_unavailability_default_to_a_quarter() {
        assert_eq!(resolve(&Value::Null, 1, true, 25), 1);
        assert_eq!(resolve(&Value::Null, 1, false, 25), 0);
        assert_eq!(resolve(&json!("50%"), 3, true, 25), 2);
        assert_eq!(resolve(&json!(2), 3, true, 25), 2);
    }

    #[test]
    fn a_rolling_update_surges_then_drops_the_old_pod() {
        let one = json!({ "spec": { "replicas": 1 } });
        assert_eq!(targets(&one, 0, 0, 0), Targets { old: 0, new: 1 });
        assert_eq!(targets(&one, 1, 0, 0), Targets { old: 1, new: 1 });
        assert_eq!(targets(&one, 1, 1, 1), Targets { old: 0, new: 1 });
        let none = json!({ "spec": { "replicas": 0 } });
        assert_eq!(targets(&none, 1, 1, 1), Targets { old: 0, new: 0 });
    }

    #[test]
    fn a_recreate_stops_every_old_pod_first() {
        let recreate = json!({ "spec": { "replicas": 2, "strategy": { "type": "Recreate" } } });
        assert_eq!(targets(&recreate, 2, 0, 0), Targets { old: 0, new: 0 });
        assert_eq!(targets(&recreate, 0, 0, 0), Targets { old: 0, new: 2 });
    }
}
