//! `storefleet db backup|restore`: the control plane's own database to and from object
//! storage, printing the object's address, size and SHA-256.

use crate::cli::{DbArgs, DbCommand};
use crate::config::DbConfig;
use crate::control_backup::{self, ObjectAddress};
use crate::db::redact;
use crate::storage::ObjectDigest;

/// Runs a command on the control plane's database.
pub async fn run(db: &DbConfig, args: DbArgs) -> anyhow::Result<()> {
    match args.command {
        DbCommand::Backup { to } => {
            let to = ObjectAddress::parse(&to)?;
            let digest = control_backup::backup(&db.database_url, &args.storage, &to).await?;
            println!("backed up {}", redact(&db.database_url));
            print(&to, &digest);
        }
        DbCommand::Restore { from, yes } => {
            let from = ObjectAddress::parse(&from)?;
            let digest =
                control_backup::restore(&db.database_url, &args.storage, &from, yes).await?;
            println!("restored {}", redact(&db.database_url));
            print(&from, &digest);
        }
    }
    Ok(())
}

/// `key`, `size` and `sha256` lines, tab-separated.
fn print(address: &ObjectAddress, digest: &ObjectDigest) {
    println!("key\t{address}");
    println!("size\t{}", digest.size);
    println!("sha256\t{}", digest.sha256);
}
