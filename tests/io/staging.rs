//! A run's outputs appear together or not at all (`io::staging`): interrupted and failed writes,
//! what killed runs leave behind, folders in the way, and output folders created for nothing.

use std::path::Path;

use organ_twin::io::staging::{earlier_results, sweep, Staging};

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap()
}

/// Publishes `run`'s two files (`result.vtu`, then the marker `summary.json`) into `out`.
fn publish_run(out: &Path, run: &str) {
    let mut s = Staging::begin(out).unwrap();
    s.write("result.vtu", |w| write!(w, "{run} vtu")).unwrap();
    s.write("summary.json", |w| write!(w, "{run} summary")).unwrap();
    s.publish("summary.json", |_| false).unwrap();
}

/// A process id that no process has (above Linux's largest pid, 2²²).
const DEAD_PID: u32 = 99_999_999;

fn age(path: &Path, seconds: u64) {
    let when = std::time::SystemTime::now() - std::time::Duration::from_secs(seconds);
    let f = std::fs::File::options().read(true).open(path).unwrap();
    f.set_modified(when).unwrap();
}

#[test]
fn publishing_moves_all_files_marker_last_and_leaves_no_staging_folder() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("a/b/out");
    publish_run(&out, "first");
    assert_eq!(names(&out), ["result.vtu", "summary.json"]);
    publish_run(&out, "second");
    assert_eq!(read(&out, "result.vtu"), "second vtu");
    assert_eq!(read(&out, "summary.json"), "second summary");
    assert_eq!(names(&out), ["result.vtu", "summary.json"]);
}

#[test]
fn a_run_killed_between_two_moves_leaves_no_marker_and_the_next_run_sweeps_its_leftovers() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    publish_run(&out, "old");
    // The new run dies right after result.vtu has moved (the hook stands for kill -9).
    let mut s = Staging::begin(&out).unwrap();
    s.write("result.vtu", |w| write!(w, "new vtu")).unwrap();
    s.write("summary.json", |w| write!(w, "new summary")).unwrap();
    let err = s
        .publish_with(
            "summary.json",
            |_| false,
            |name| {
                if name == "summary.json" {
                    Err(std::io::Error::other("killed"))
                } else {
                    Ok(())
                }
            },
        )
        .unwrap_err();
    assert!(err.to_string().contains("no summary.json"), "{err}");
    // The new result.vtu is not beside the old summary: the folder says it holds no complete run.
    assert_eq!(read(&out, "result.vtu"), "new vtu");
    assert!(!out.join("summary.json").exists(), "an old summary beside a new result: {:?}", names(&out));
    // What the killed process left (its staging folder) goes once it is orphaned; so do
    // temporary files of dead processes; those of live processes and recent ones stay.
    let staging = out.join(format!(".partial-{}", std::process::id()));
    assert!(staging.is_dir());
    let dead = out.join(format!(".partial-{DEAD_PID}"));
    std::fs::rename(&staging, &dead).unwrap();
    age(&dead, 3600);
    let tmp_dead = out.join(format!(".organ-twin-{DEAD_PID}-abcdef.tmp"));
    let tmp_recent = out.join(format!(".organ-twin-{}-abcdef.tmp", DEAD_PID + 1));
    let tmp_alive = out.join(format!(".organ-twin-{}-abcdef.tmp", std::process::id()));
    let tmp_legacy = out.join(".organ-twin-Xy12ab.tmp");
    for (t, seconds) in [(&tmp_dead, 3600), (&tmp_recent, 0), (&tmp_alive, 3600), (&tmp_legacy, 3 * 86_400)] {
        std::fs::write(t, "61 MB of a killed run").unwrap();
        age(t, seconds);
    }
    publish_run(&out, "third");
    let left = names(&out);
    assert!(!dead.exists() && !tmp_dead.exists() && !tmp_legacy.exists(), "{left:?}");
    assert!(tmp_recent.exists() && tmp_alive.exists(), "{left:?}");
    assert_eq!(read(&out, "summary.json"), "third summary");
    // sweep on its own is what write_atomic does in any folder it writes to.
    age(&tmp_recent, 3600);
    sweep(&out);
    assert!(!tmp_recent.exists());
}

#[test]
fn a_failing_writer_leaves_the_earlier_run_complete_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    publish_run(&out, "old");
    let mut s = Staging::begin(&out).unwrap();
    s.write("result.vtu", |w| write!(w, "new vtu")).unwrap();
    let err = s
        .write("summary.json", |w| {
            write!(w, "{{")?;
            Err(std::io::Error::other("disk full"))
        })
        .unwrap_err();
    assert!(err.to_string().contains("disk full") && err.to_string().contains("summary.json"), "{err}");
    drop(s);
    assert_eq!(names(&out), ["result.vtu", "summary.json"], "no staging folder or temporary file is left");
    assert_eq!(read(&out, "result.vtu"), "old vtu");
    assert_eq!(read(&out, "summary.json"), "old summary");
    let note = earlier_results(&out, "summary.json").unwrap();
    assert!(note.contains("earlier run") && note.contains("did not replace"), "{note}");
    assert!(earlier_results(&dir.path().join("nothing"), "summary.json").is_none());
}

#[test]
fn a_folder_in_the_way_stops_the_publication_before_anything_moves() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir_all(out.join("summary.json")).unwrap();
    std::fs::write(out.join("result.vtu"), "old vtu").unwrap();
    let mut s = Staging::begin(&out).unwrap();
    s.write("result.vtu", |w| write!(w, "new vtu")).unwrap();
    s.write("summary.json", |w| write!(w, "new summary")).unwrap();
    let err = s.publish("summary.json", |_| false).unwrap_err();
    assert!(err.to_string().contains("summary.json") && err.to_string().contains("folder"), "{err}");
    assert_eq!(read(&out, "result.vtu"), "old vtu", "result.vtu must not be replaced");
    assert_eq!(names(&out), ["result.vtu", "summary.json"]);
}

#[test]
fn an_output_folder_created_for_a_failed_run_is_removed_again() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("new/deeper/out");
    let mut s = Staging::begin(&out).unwrap();
    assert!(out.is_dir());
    let _ = s.write("result.vtu", |_| Err(std::io::Error::other("disk full"))).unwrap_err();
    drop(s);
    assert!(!dir.path().join("new").exists(), "created folders stay: {:?}", names(dir.path()));
    // A folder that existed before stays, even empty.
    let kept = dir.path().join("kept");
    std::fs::create_dir(&kept).unwrap();
    Staging::begin(&kept).unwrap().abandon();
    assert!(kept.is_dir() && names(&kept).is_empty());
    // File names are one path component.
    let mut s = Staging::begin(&kept).unwrap();
    for bad in ["../x", "/abs", "", "a/b", ".."] {
        assert!(s.write(bad, |_| Ok(())).is_err(), "{bad:?}");
    }
}

#[test]
fn stale_files_of_a_longer_earlier_run_are_removed_only_when_publishing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let step = |name: &str| name.starts_with("step_");
    let mut s = Staging::begin(&out).unwrap();
    for k in 1..=3 {
        s.write(&format!("step_{k}.vtu"), |w| write!(w, "a")).unwrap();
    }
    s.write("summary.json", |w| write!(w, "a")).unwrap();
    s.publish("summary.json", step).unwrap();
    let mut s = Staging::begin(&out).unwrap();
    s.write("step_1.vtu", |w| write!(w, "b")).unwrap();
    s.write("summary.json", |w| write!(w, "b")).unwrap();
    assert_eq!(names(&out).len(), 5, "the earlier run is complete until publication: {:?}", names(&out));
    s.publish("summary.json", step).unwrap();
    assert_eq!(names(&out), ["step_1.vtu", "summary.json"]);
}
