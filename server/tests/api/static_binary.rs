//! The static binary (`x86_64-unknown-linux-musl`, which `scripts/test.sh` builds): it needs no
//! dynamic loader, and started in an empty folder with nothing but its own settings in the
//! environment it serves the release site, hydration script and WASM included. The browser
//! suite's release projects run against it too.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::support::TEST_SECRET_KEY;

/// The binary and the site to serve, from `STOREFLEET_TEST_STATIC_BINARY` and
/// `STOREFLEET_TEST_RELEASE_SITE`; `None` (the test skips) when unset, unless
/// `STOREFLEET_REQUIRE_PEERS=1`.
fn built() -> Option<(PathBuf, PathBuf)> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    match (
        var("STOREFLEET_TEST_STATIC_BINARY"),
        var("STOREFLEET_TEST_RELEASE_SITE"),
    ) {
        (Some(binary), Some(site)) => Some((binary.into(), site.into())),
        _ if std::env::var("STOREFLEET_REQUIRE_PEERS").as_deref() == Ok("1") => panic!(
            "STOREFLEET_REQUIRE_PEERS=1 but STOREFLEET_TEST_STATIC_BINARY or \
             STOREFLEET_TEST_RELEASE_SITE is not set"
        ),
        _ => {
            eprintln!(
                "skipped: STOREFLEET_TEST_STATIC_BINARY is not set (scripts/test.sh builds it)"
            );
            None
        }
    }
}

/// Whether an ELF executable asks for a dynamic loader (has a `PT_INTERP` program header).
fn needs_a_loader(elf: &[u8]) -> bool {
    assert_eq!(&elf[..4], b"\x7fELF", "not an ELF file");
    assert_eq!(elf[4], 2, "not a 64-bit ELF file");
    let u64_at = |at: usize| u64::from_le_bytes(elf[at..at + 8].try_into().unwrap()) as usize;
    let u16_at = |at: usize| u16::from_le_bytes(elf[at..at + 2].try_into().unwrap()) as usize;
    let (table, size, count) = (u64_at(0x20), u16_at(0x36), u16_at(0x38));
    (0..count).any(|i| {
        let header = table + i * size;
        u32::from_le_bytes(elf[header..header + 4].try_into().unwrap()) == 3
    })
}

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_static_binary_serves_the_site_from_an_empty_folder() {
    let Some((binary, site)) = built() else {
        return;
    };
    let elf = std::fs::read(&binary).unwrap();
    assert!(
        !needs_a_loader(&elf),
        "{} is dynamically linked",
        binary.display()
    );
    let this = std::fs::read(std::env::current_exe().unwrap()).unwrap();
    assert!(
        needs_a_loader(&this),
        "the check tells a dynamic executable apart"
    );

    let folder = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let _server = Running(
        Command::new(&binary)
            .arg("serve")
            .current_dir(folder.path())
            .env_clear()
            .env("STOREFLEET_BIND", format!("127.0.0.1:{port}"))
            .env("STOREFLEET_SITE_ROOT", &site)
            .env("STOREFLEET_CLUSTER", "simulated")
            .env("STOREFLEET_SECRET_KEY", TEST_SECRET_KEY)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let mut ready = false;
    for _ in 0..200 {
        if http
            .get(format!("{base}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status() == 200)
        {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ready, "the static binary did not become ready");

    let home = http.get(format!("{base}/signup")).send().await.unwrap();
    assert_eq!(home.status(), 200);
    let page = home.text().await.unwrap();
    assert!(page.contains("/pkg/storefleet.js"), "{page}");
    for (asset, kind) in [
        ("storefleet.js", "javascript"),
        ("storefleet.wasm", "application/wasm"),
        ("storefleet.css", "text/css"),
    ] {
        let answer = http
            .get(format!("{base}/pkg/{asset}"))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200, "{asset}");
        let content_type = answer.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(content_type.contains(kind), "{asset}: {content_type}");
        let body = answer.bytes().await.unwrap();
        let on_disk = std::fs::read(site.join("pkg").join(asset)).unwrap();
        assert_eq!(body.len(), on_disk.len(), "{asset}");
    }
    // Its database was made in the empty folder it started in.
    assert!(folder.path().join("data/storefleet.db").is_file());
}
