//! The Jobs that move a tenant's data inside its namespace. A dump: `pg_dump` runs in the
//! database's own image into a scratch volume, then a small curl image uploads the file part
//! by part through the links of a multipart upload minted for that one object, and completes
//! the upload with the parts' ETags. A restore: curl downloads a backup from a link
//! for that one object, then `pg_restore` puts it back in one transaction. No storage
//! credential enters the namespace; commands name files only through `$WORK`.

use std::collections::BTreeMap;

use k8s_openapi::api::batch::v1::{Job, JobSpec};
use k8s_openapi::api::core::v1::{
    Capabilities, Container, EmptyDirVolumeSource, EnvVar, EnvVarSource, PodSecurityContext,
    PodSpec, PodTemplateSpec, ResourceRequirements, SeccompProfile, SecretKeySelector,
    SecurityContext, Volume, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::config::{DATABASE_PASSWORD, DATABASE_USER, SECRET};

/// The image that uploads the dump.
pub const UPLOADER_IMAGE: &str = "docker.io/curlimages/curl:8.11.1";
/// Label naming what a storefleet task Job does.
pub const TASK_LABEL: &str = "storefleet.io/task";
/// Where the scratch volume is mounted.
const WORK: &str = "/work";

/// What a dump or restore Job needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataJob<'a> {
    /// The Job's name.
    pub name: &'a str,
    /// The tenant's namespace.
    pub namespace: &'a str,
    /// The database's image, with its tag.
    pub database_image: &'a str,
    /// The database's Service (its component's name) and port.
    pub database_host: &'a str,
    /// The database's port.
    pub database_port: u16,
    /// Seconds the Job may run before the cluster stops it.
    pub deadline_secs: i64,
}

/// Where a dump goes: the links of one multipart upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartLinks<'a> {
    /// `PUT` links for parts 1, 2, … in order; the dump may use fewer.
    pub parts: &'a [String],
    /// The `POST` link that completes the upload.
    pub complete: &'a str,
    /// The size of every part but the last, in MiB (S3 wants at least 5).
    pub part_mib: u64,
}

/// Uploads `$WORK/db.dump` in parts of `$PART_MIB` MiB to `$PART_1`, `$PART_2`, … (one part
/// on disk at a time beside the dump), then completes the upload at `$COMPLETE` with their
/// ETags. A dump needing more parts than there are links fails before anything is sent.
const UPLOAD_PARTS: &str = r#"set -eu
size=$(wc -c < "$WORK/db.dump")
part_bytes=$((PART_MIB * 1048576))
parts=$(( (size + part_bytes - 1) / part_bytes ))
[ "$parts" -gt 0 ] || parts=1
if [ "$parts" -gt "$PARTS" ]; then
  echo "the dump is $size bytes; an upload holds at most $PARTS parts of $PART_MIB MiB" >&2
  exit 1
fi
printf '<CompleteMultipartUpload>' > "$WORK/complete.xml"
i=1
while [ "$i" -le "$parts" ]; do
  dd if="$WORK/db.dump" of="$WORK/part" bs=1048576 skip=$(( (i - 1) * PART_MIB )) count="$PART_MIB" 2>/dev/null
  eval "link=\$PART_$i"
  curl --fail --silent --show-error --output /dev/null --dump-header "$WORK/headers" --upload-file "$WORK/part" "$link"
  etag=$(grep -i '^etag:' "$WORK/headers" | tr -d '
' | sed 's/^[^:]*: *//')
  if [ -z "$etag" ]; then
    echo "part $i: the storage answered without an ETag" >&2
    exit 1
  fi
  printf '<Part><PartNumber>%s</PartNumber><ETag>%s</ETag></Part>' "$i" "$etag" >> "$WORK/complete.xml"
  i=$((i + 1))
done
rm -f "$WORK/part"
printf '</CompleteMultipartUpload>' >> "$WORK/complete.xml"
curl --fail --silent --show-error --output "$WORK/completed" --header 'Content-Type: application/xml' --data-binary @"$WORK/complete.xml" "$COMPLETE"
if grep -q '<Error>' "$WORK/completed"; then
  cat "$WORK/completed" >&2
  exit 1
fi"#;

fn env(name: &str, value: &str) -> EnvVar {
    EnvVar {
        name: name.to_owned(),
        value: Some(value.to_owned()),
        ..Default::default()
    }
}

/// What each container of a data Job asks for, so that the namespace's quota admits its pod
/// (`catalog::fit` counts it). A pod counts it once: its init container has finished before
/// its other container starts, and both ask the same.
pub fn resources() -> ResourceRequirements {
    let amounts = |cpu: &str, memory: &str| {
        Some(BTreeMap::from([
            ("cpu".to_owned(), Quantity(cpu.to_owned())),
            ("memory".to_owned(), Quantity(memory.to_owned())),
        ]))
    };
    ResourceRequirements {
        requests: amounts("50m", "64Mi"),
        limits: amounts("500m", "256Mi"),
        ..Default::default()
    }
}

fn container(name: &str, image: &str, script: &str, env: Vec<EnvVar>) -> Container {
    Container {
        name: name.to_owned(),
        image: Some(image.to_owned()),
        command: Some(vec!["sh".to_owned(), "-c".to_owned(), script.to_owned()]),
        env: Some(env),
        volume_mounts: Some(vec![VolumeMount {
            name: "work".to_owned(),
            mount_path: WORK.to_owned(),
            ..Default::default()
        }]),
        security_context: Some(SecurityContext {
            allow_privilege_escalation: Some(false),
            capabilities: Some(Capabilities {
                drop: Some(vec!["ALL".to_owned()]),
                ..Default::default()
            }),
            ..Default::default()
        }),
        resources: Some(resources()),
        ..Default::default()
    }
}

fn database_env(job: &DataJob<'_>) -> Vec<EnvVar> {
    let password = EnvVar {
        name: "PGPASSWORD".to_owned(),
        value_from: Some(EnvVarSource {
            secret_key_ref: Some(SecretKeySelector {
                name: SECRET.to_owned(),
                key: DATABASE_PASSWORD.to_owned(),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    };
    vec![
        env("WORK", WORK),
        env("PGHOST", job.database_host),
        env("PGPORT", &job.database_port.to_string()),
        env("PGUSER", DATABASE_USER),
        env("PGDATABASE", DATABASE_USER),
        password,
    ]
}

/// The dump Job: run once, never retried by the cluster (the control plane decides).
pub fn dump_job(job: &DataJob<'_>, upload: &PartLinks<'_>) -> Job {
    let dump = container(
        "dump",
        job.database_image,
        r#"pg_dump --format=custom --no-owner --file="$WORK/db.dump""#,
        database_env(job),
    );
    let mut links = vec![
        env("WORK", WORK),
        env("PART_MIB", &upload.part_mib.to_string()),
        env("PARTS", &upload.parts.len().to_string()),
        env("COMPLETE", upload.complete),
    ];
    links.extend(
        upload
            .parts
            .iter()
            .enumerate()
            .map(|(index, link)| env(&format!("PART_{}", index + 1), link)),
    );
    let upload = container("upload", UPLOADER_IMAGE, UPLOAD_PARTS, links);
    once(job, "backup", dump, upload)
}

/// The restore Job: the backup downloaded, then restored over the database's contents in one
/// transaction (all of it, or nothing on an error).
pub fn restore_job(job: &DataJob<'_>, link: &str) -> Job {
    let download = container(
        "download",
        UPLOADER_IMAGE,
        r#"curl --fail --silent --show-error --output "$WORK/db.dump" "$LINK""#,
        vec![env("WORK", WORK), env("LINK", link)],
    );
    let restore = container(
        "restore",
        job.database_image,
        r#"pg_restore --clean --if-exists --no-owner --single-transaction --exit-on-error --dbname="$PGDATABASE" "$WORK/db.dump""#,
        database_env(job),
    );
    once(job, "restore", download, restore)
}

/// A Job of `first` then `then` sharing a scratch volume, run once.
fn once(job: &DataJob<'_>, task: &str, first: Container, then: Container) -> Job {
    let labels = BTreeMap::from([(TASK_LABEL.to_owned(), task.to_owned())]);
    Job {
        metadata: ObjectMeta {
            name: Some(job.name.to_owned()),
            namespace: Some(job.namespace.to_owned()),
            labels: Some(labels.clone()),
            ..Default::default()
        },
        spec: Some(JobSpec {
            backoff_limit: Some(0),
            active_deadline_seconds: Some(job.deadline_secs),
            ttl_seconds_after_finished: Some(3600),
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(labels),
                    ..Default::default()
                }),
                spec: Some(PodSpec {
                    restart_policy: Some("Never".to_owned()),
                    // As the store's own pods: no API token (the Job calls no API), the
                    // runtime's default seccomp profile.
                    automount_service_account_token: Some(false),
                    security_context: Some(PodSecurityContext {
                        seccomp_profile: Some(SeccompProfile {
                            type_: "RuntimeDefault".to_owned(),
                            ..Default::default()
                        }),
                        ..Default::default()
                    }),
                    init_containers: Some(vec![first]),
                    containers: vec![then],
                    volumes: Some(vec![Volume {
                        name: "work".to_owned(),
                        empty_dir: Some(EmptyDirVolumeSource::default()),
                        ..Default::default()
                    }]),
                    ..Default::default()
                }),
            },
            ..Default::default()
        }),
        status: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dump_runs_in_the_database_image_and_uploads_through_its_links_alone() {
        let parts = [
            "https://s3.example/b/k?partNumber=1&X-Amz-Signature=a".to_owned(),
            "https://s3.example/b/k?partNumber=2&X-Amz-Signature=b".to_owned(),
        ];
        let links = PartLinks {
            parts: &parts,
            complete: "https://s3.example/b/k?uploadId=u&X-Amz-Signature=c",
            part_mib: 64,
        };
        let job = dump_job(
            &DataJob {
                name: "backup-1",
                namespace: "store-acme",
                database_image: "docker.io/library/postgres:16",
                database_host: "db",
                database_port: 5432,
                deadline_secs: 3600,
            },
            &links,
        );
        let pod = job.spec.as_ref().unwrap().template.spec.as_ref().unwrap();
        let dump = &pod.init_containers.as_ref().unwrap()[0];
        assert_eq!(dump.image.as_deref(), Some("docker.io/library/postgres:16"));
        let script = &dump.command.as_ref().unwrap()[2];
        assert!(script.starts_with("pg_dump --format=custom"));
        let upload = &pod.containers[0];
        let names: Vec<&str> = upload
            .env
            .iter()
            .flatten()
            .map(|e| e.name.as_str())
            .collect();
        assert_eq!(
            names,
            ["WORK", "PART_MIB", "PARTS", "COMPLETE", "PART_1", "PART_2"],
            "no credential but the links"
        );
        let value = |name: &str| {
            upload
                .env
                .iter()
                .flatten()
                .find(|e| e.name == name)
                .and_then(|e| e.value.clone())
        };
        assert_eq!(value("PARTS").as_deref(), Some("2"));
        assert_eq!(value("PART_2").as_deref(), Some(parts[1].as_str()));
        assert_eq!(job.spec.as_ref().unwrap().backoff_limit, Some(0));
        assert_eq!(pod.automount_service_account_token, Some(false));
        let dropped = upload
            .security_context
            .as_ref()
            .and_then(|s| s.capabilities.clone());
        assert_eq!(dropped.and_then(|c| c.drop), Some(vec!["ALL".to_owned()]));
        // The password comes from the tenant's Secret, never written into the Job.
        let yaml = serde_json::to_string(&job).unwrap();
        assert!(yaml.contains("secretKeyRef"));
    }

    #[test]
    fn a_restore_downloads_then_restores_in_one_transaction() {
        let job = restore_job(
            &DataJob {
                name: "restore-1",
                namespace: "store-acme",
                database_image: "docker.io/library/postgres:16",
                database_host: "database",
                database_port: 5432,
                deadline_secs: 600,
            },
            "https://s3.example/b/k?X-Amz-Signature=abc",
        );
        let pod = job.spec.as_ref().unwrap().template.spec.as_ref().unwrap();
        let download = &pod.init_containers.as_ref().unwrap()[0];
        assert_eq!(download.image.as_deref(), Some(UPLOADER_IMAGE));
        let restore = &pod.containers[0];
        assert_eq!(
            restore.image.as_deref(),
            Some("docker.io/library/postgres:16")
        );
        let script = &restore.command.as_ref().unwrap()[2];
        assert!(script.contains("--single-transaction"), "{script}");
        assert!(script.contains("--clean"), "{script}");
        let labels = job.metadata.labels.unwrap();
        assert_eq!(labels[TASK_LABEL], "restore");
    }
}
