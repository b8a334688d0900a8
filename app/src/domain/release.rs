//! Releases: an immutable, named version of a blueprint, the image tag of each of its
//! components. A rollout moves stores from one release to another.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Blueprint;

/// The longest release name.
pub const MAX_NAME_LEN: usize = 64;
/// The longest image tag, as container registries allow it.
pub const MAX_TAG_LEN: usize = 128;
/// The longest release notes.
pub const MAX_NOTES_LEN: usize = 4000;

/// A release to make, as a person or CI asks for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewRelease {
    /// The blueprint it is a version of, e.g. `store`.
    pub blueprint: String,
    /// Its name, e.g. `1.4.0`: unique within the blueprint.
    pub name: String,
    /// The image tag of each component it changes, e.g. `api` → `1.4.0`.
    pub images: BTreeMap<String, String>,
    /// What changed, for the people who roll it out.
    #[serde(default)]
    pub notes: String,
}

/// Why a release cannot be made as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReleaseProblem {
    /// The name is empty, too long or has characters a version does not.
    #[error("a release name is 1 to {MAX_NAME_LEN} letters, digits, '.', '_' or '-', starting with a letter or digit")]
    Name,
    /// No image is named.
    #[error("a release names the image tag of at least one component")]
    NoImages,
    /// The blueprint has no such component.
    #[error("blueprint {blueprint} has no component {component} (it has: {known})")]
    UnknownComponent {
        /// The blueprint.
        blueprint: String,
        /// The component asked for.
        component: String,
        /// The components it has.
        known: String,
    },
    /// The tag is not one a registry accepts.
    #[error("image tag {tag:?} of {component}: 1 to {MAX_TAG_LEN} letters, digits, '.', '_' or '-', not starting with '.' or '-'")]
    Tag {
        /// The component.
        component: String,
        /// The tag given.
        tag: String,
    },
    /// The notes are too long.
    #[error("release notes are at most {MAX_NOTES_LEN} characters")]
    Notes,
}

fn version_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')
}

/// Whether `name` is a release name: `1.4.0`, `2026-12-03.1`, `v1.4.0-rc.1`.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME_LEN
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.chars().all(version_char)
}

/// Whether `tag` is an image tag as the OCI distribution spec defines it:
/// `[A-Za-z0-9_][A-Za-z0-9._-]{0,127}`.
pub fn valid_tag(tag: &str) -> bool {
    !tag.is_empty()
        && tag.len() <= MAX_TAG_LEN
        && tag.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
        && tag.chars().all(version_char)
}

/// Image tags from `component=tag` pairs separated by newlines or commas, as a form or the
/// command line gives them; a malformed pair or a component named twice is an error.
pub fn parse_images(text: &str) -> Result<BTreeMap<String, String>, String> {
    let mut images = BTreeMap::new();
    for pair in text
        .split([',', '\n'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let (component, tag) = pair
            .split_once('=')
            .ok_or_else(|| format!("{pair:?}: write each image as COMPONENT=TAG"))?;
        if images
            .insert(component.trim().to_owned(), tag.trim().to_owned())
            .is_some()
        {
            return Err(format!("component {component} is named twice"));
        }
    }
    Ok(images)
}

impl NewRelease {
    /// Checks the release against the blueprint it names; the first problem found.
    pub fn check(&self, blueprint: &Blueprint) -> Result<(), ReleaseProblem> {
        if !valid_name(&self.name) {
            return Err(ReleaseProblem::Name);
        }
        if self.images.is_empty() {
            return Err(ReleaseProblem::NoImages);
        }
        for (component, tag) in &self.images {
            if !blueprint.components.iter().any(|c| &c.name == component) {
                let known: Vec<&str> = blueprint
                    .components
                    .iter()
                    .map(|c| c.name.as_str())
                    .collect();
                return Err(ReleaseProblem::UnknownComponent {
                    blueprint: blueprint.name.clone(),
                    component: component.clone(),
                    known: known.join(", "),
                });
            }
            if !valid_tag(tag) {
                return Err(ReleaseProblem::Tag {
                    component: component.clone(),
                    tag: tag.clone(),
                });
            }
        }
        if self.notes.chars().count() > MAX_NOTES_LEN {
            return Err(ReleaseProblem::Notes);
        }
        Ok(())
    }
}

/// A release as pages and the API show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseView {
    /// Its id.
    pub id: String,
    /// The blueprint it is a version of.
    pub blueprint: String,
    /// Its name.
    pub name: String,
    /// The image tag of each component it sets.
    pub images: BTreeMap<String, String>,
    /// What changed.
    pub notes: String,
    /// Who made it, as the audit log names the actor.
    pub created_by: String,
    /// When, RFC 3339.
    pub created_at: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::domain::blueprint::{Component, Probe, Resources, Workload};

    fn blueprint() -> Blueprint {
        let component = |name: &str| Component {
            name: name.to_owned(),
            workload: Workload::Deployment,
            image: format!("example/{name}"),
            tag: "1.0.0".to_owned(),
            port: 8080,
            service_port: 80,
            probe: Probe::Tcp,
            replicas: 1,
            resources: Resources {
                cpu_request: "100m".into(),
                memory_request: "64Mi".into(),
                cpu_limit: "200m".into(),
                memory_limit: "128Mi".into(),
            },
            mounts: Vec::new(),
            env_from_config_maps: Vec::new(),
            env_from_secret: false,
            public: name == "web",
        };
        Blueprint {
            name: "store".into(),
            description: String::new(),
            components: vec![component("api"), component("web")],
            volumes: Vec::new(),
            config_maps: Vec::new(),
            settings: Vec::new(),
            health_check: None,
        }
    }

    fn release(images: &[(&str, &str)]) -> NewRelease {
        NewRelease {
            blueprint: "store".into(),
            name: "1.4.0".into(),
            images: images
                .iter()
                .map(|(c, t)| ((*c).to_owned(), (*t).to_owned()))
                .collect(),
            notes: String::new(),
        }
    }

    #[test]
    fn images_are_read_as_component_equals_tag() {
        let images = parse_images("api=1.4.0\r\nweb = 1.27.3-alpine, ").unwrap();
        assert_eq!(images.get("api").map(String::as_str), Some("1.4.0"));
        assert_eq!(images.get("web").map(String::as_str), Some("1.27.3-alpine"));
        assert_eq!(images.len(), 2);
        assert!(parse_images("api").unwrap_err().contains("COMPONENT=TAG"));
        assert!(parse_images("api=1, api=2").unwrap_err().contains("twice"));
    }

    #[test]
    fn names_and_tags_follow_the_registries_rules() {
        for good in ["1.4.0", "v1.4.0-rc.1", "2026-12-03.1", "a"] {
            assert!(valid_name(good), "{good}");
        }
        for bad in ["", ".1", "-1", "1.4 0", "1/4", &"9".repeat(65), "ü"] {
            assert!(!valid_name(bad), "{bad}");
        }
        for good in ["1.27.3-alpine", "_x", "latest", &"a".repeat(128)] {
            assert!(valid_tag(good), "{good}");
        }
        for bad in ["", ".x", "-x", "a:b", "a@sha", &"a".repeat(129)] {
            assert!(!valid_tag(bad), "{bad}");
        }
    }

    #[test]
    fn a_release_names_components_its_blueprint_has() {
        let blueprint = blueprint();
        let first = blueprint.components[0].name.clone();
        assert_eq!(release(&[(&first, "1.4.0")]).check(&blueprint), Ok(()));
        assert_eq!(
            release(&[]).check(&blueprint),
            Err(ReleaseProblem::NoImages)
        );
        assert!(matches!(
            release(&[("mailer", "1")]).check(&blueprint),
            Err(ReleaseProblem::UnknownComponent { component, .. }) if component == "mailer"
        ));
        assert!(matches!(
            release(&[(&first, "a:b")]).check(&blueprint),
            Err(ReleaseProblem::Tag { .. })
        ));
        let mut named = release(&[(&first, "1")]);
        named.name = "1 4".into();
        assert_eq!(named.check(&blueprint), Err(ReleaseProblem::Name));
        named.name = "1.4".into();
        named.notes = "x".repeat(MAX_NOTES_LEN + 1);
        assert_eq!(named.check(&blueprint), Err(ReleaseProblem::Notes));
    }
}
