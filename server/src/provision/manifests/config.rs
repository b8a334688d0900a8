//! The tenant's configuration: one Secret and the blueprint's ConfigMaps, rendered from
//! settings, and the checksum that rolls pods when any of it changes.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use k8s_openapi::ByteString;
use sha2::{Digest, Sha256};

use super::{Context, TenantObject};

/// The tenant's Secret.
pub const SECRET: &str = "store";
/// Key of the database password in [`SECRET`].
pub const DATABASE_PASSWORD: &str = "DATABASE_PASSWORD";
/// Database user and name inside the tenant's database.
pub const DATABASE_USER: &str = "store";

pub(super) struct Rendered {
    pub objects: Vec<TenantObject>,
    pub checksum: String,
}

/// The environment-variable name of a setting key: `store_name` → `STORE_NAME`.
fn env_name(key: &str) -> String {
    key.to_ascii_uppercase()
}

pub(super) fn render(ctx: &Context<'_>) -> Rendered {
    let blueprint = ctx.tenant.blueprint;
    let value_of = |key: &str, default: &str| -> String {
        ctx.tenant
            .settings
            .get(key)
            .map(|v| v.as_str().to_owned())
            .unwrap_or_else(|| default.to_owned())
    };

    let mut secret_data = BTreeMap::from([(
        DATABASE_PASSWORD.to_owned(),
        ctx.tenant.database_password.to_owned(),
    )]);
    let mut maps: BTreeMap<&str, BTreeMap<String, String>> = blueprint
        .config_maps
        .iter()
        .map(|name| (name.as_str(), BTreeMap::new()))
        .collect();
    for spec in &blueprint.settings {
        let value = value_of(&spec.key, &spec.default);
        if spec.is_secret() {
            if !value.is_empty() {
                secret_data.insert(env_name(&spec.key), value);
            }
        } else if let Some(map) = maps.get_mut(spec.config_map.as_str()) {
            map.insert(env_name(&spec.key), value);
        }
    }
    let host = ctx.tenant.host(ctx.cluster);
    if let Some(app) = maps.get_mut("app") {
        app.insert("PUBLIC_URL".into(), format!("https://{host}"));
        app.insert("DATABASE_HOST".into(), "database".into());
        app.insert("DATABASE_PORT".into(), "5432".into());
        app.insert("DATABASE_NAME".into(), DATABASE_USER.into());
        app.insert("DATABASE_USER".into(), DATABASE_USER.into());
        app.insert("FILES_PATH".into(), "/data/files".into());
    }
    if let Some(web) = maps.get_mut("web") {
        let json: BTreeMap<String, String> = blueprint
            .settings
            .iter()
            .filter(|s| !s.is_secret() && s.config_map == "web")
            .map(|s| (s.key.clone(), value_of(&s.key, &s.default)))
            .collect();
        web.insert(
            "settings.json".into(),
            serde_json::to_string_pretty(&json).expect("strings serialise"),
        );
    }
    if let Some(nginx) = maps.get_mut("nginx") {
        nginx.insert("default.conf".into(), nginx_conf(ctx));
    }

    let checksum = checksum(&maps, &secret_data);
    let mut objects: Vec<TenantObject> = vec![Secret {
        metadata: ctx.meta(SECRET, None),
        type_: Some("Opaque".to_owned()),
        data: Some(
            secret_data
                .into_iter()
                .map(|(k, v)| (k, ByteString(v.into_bytes())))
                .collect(),
        ),
        ..Default::default()
    }
    .into()];
    objects.extend(maps.into_iter().map(|(name, data)| {
        ConfigMap {
            metadata: ctx.meta(name, None),
            data: Some(data),
            ..Default::default()
        }
        .into()
    }));
    Rendered { objects, checksum }
}

/// The front's nginx configuration. Only validated values (subdomain, ports, component
/// names) are written into it; owner settings never are.
fn nginx_conf(ctx: &Context<'_>) -> String {
    let blueprint = ctx.tenant.blueprint;
    let listen = blueprint.public_component().map_or(8080, |c| c.port);
    let api = blueprint
        .components
        .iter()
        .find(|c| c.name == "api")
        .map(|c| format!("{}:{}", c.name, c.service_port));
    let mut conf = format!(
        "server {{\n    listen {listen};\n    server_name {host};\n    root /usr/share/nginx/html;\n\n    location = /healthz {{\n        access_log off;\n        return 200 \"ok\";\n    }}\n",
        host = ctx.tenant.host(ctx.cluster),
    );
    if let Some(api) = api {
        conf.push_str(&format!(
            "\n    location /api/ {{\n        proxy_pass http://{api};\n        proxy_set_header Host $host;\n        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n    }}\n"
        ));
    }
    conf.push_str("}\n");
    conf
}

/// A short digest of every configuration value, in a stable order.
fn checksum(
    maps: &BTreeMap<&str, BTreeMap<String, String>>,
    secret: &BTreeMap<String, String>,
) -> String {
    let mut hasher = Sha256::new();
    for (name, data) in maps {
        for (key, value) in data {
            hasher.update(format!("{}:{}:{}:{}\0", name.len(), name, key.len(), key));
            hasher.update(value.as_bytes());
            hasher.update([0]);
        }
    }
    for (key, value) in secret {
        hasher.update(format!("secret:{}:{}\0", key.len(), key));
        hasher.update(value.as_bytes());
        hasher.update([0]);
    }
    hasher
        .finalize()
        .iter()
        .take(12)
        .map(|b| format!("{b:02x}"))
        .collect()
}
