//! The ids of tenants, jobs and accounts: three types, so that one is never passed where
//! another is meant. Ids are made by the server (UUIDs); the browser only carries them back.

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! id {
    ($name:ident, $what:literal) => {
        #[doc = concat!("The id of ", $what, ".")]
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            #[doc = concat!("The id of ", $what, ", as stored.")]
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            /// The id as text, for queries and URLs.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

id!(TenantId, "a tenant");
id!(JobId, "a job");
id!(UserId, "an account");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_its_text_on_the_wire() {
        let id = JobId::new("5f0c");
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"5f0c\"");
        assert_eq!(serde_json::from_str::<JobId>("\"5f0c\"").unwrap(), id);
        assert_eq!(id.to_string(), "5f0c");
    }
}
