//! A run's output files, published together.
//!
//! Every driver writes its outputs the same way, in numbered steps:
//!
//! 1. [`Staging::begin`] creates the output folder (remembering whether it did), removes what
//!    killed runs left behind (staging folders and temporary files of processes that no longer
//!    exist), and opens a private staging folder `OUT/.partial-<pid>/`;
//! 2. [`Staging::write`] writes each file there, atomically;
//! 3. [`Staging::publish`] checks that every destination can be replaced (no folder in the way),
//!    removes the earlier run's *marker* file (`summary.json`), moves the other files into place
//!    and the marker last, and removes the staging folder.
//!
//! So `OUT` holds either the complete earlier run, or — only while step 3 runs, or after a
//! `kill -9` during it — files without a marker: **a folder without `summary.json` holds no
//! complete run**. A run that fails before step 3, or a [`Staging`] dropped without publishing,
//! removes its staging folder, and the output folder too when this run created it and it is
//! empty. [`earlier_results`] words what a failed run leaves in the folder.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::{write_atomic, WriteError};

/// Prefix of a staging folder (followed by the process id).
pub const STAGING_PREFIX: &str = ".partial-";

/// Leftovers of a process that no longer exists are removed once they are this old (their
/// modification time stops moving when the process dies); where process ids cannot be checked,
/// only leftovers older than [`ORPHAN_AGE_UNKNOWN`] are removed.
const ORPHAN_AGE: Duration = Duration::from_secs(60);
/// See [`ORPHAN_AGE`].
const ORPHAN_AGE_UNKNOWN: Duration = Duration::from_secs(24 * 3600);

fn io_error(path: &Path, source: std::io::Error) -> WriteError {
    WriteError::Io { path: path.display().to_string(), source }
}

/// A run's files being written; see the module docs.
#[derive(Debug)]
pub struct Staging {
    out: PathBuf,
    dir: PathBuf,
    created: Option<PathBuf>,
    files: Vec<String>,
    done: bool,
}

impl Staging {
    /// Creates `out` when needed, sweeps what killed runs left in it and opens the staging folder.
    pub fn begin(out: &Path) -> Result<Staging, WriteError> {
        let created = out.ancestors().take_while(|a| !a.as_os_str().is_empty() && !a.exists()).last();
        let created = created.map(Path::to_path_buf);
        std::fs::create_dir_all(out).map_err(|e| io_error(out, e))?;
        let dir = out.join(format!("{STAGING_PREFIX}{}", std::process::id()));
        let mut staging = Staging { out: out.to_path_buf(), dir, created, files: Vec::new(), done: false };
        sweep(out);
        // A folder with this process's id is from an earlier process that had the same id.
        if staging.dir.exists() {
            std::fs::remove_dir_all(&staging.dir).map_err(|e| io_error(&staging.dir, e))?;
        }
        if let Err(e) = std::fs::create_dir(&staging.dir) {
            staging.dir = PathBuf::new();
            return Err(io_error(&staging.out.join(format!("{STAGING_PREFIX}{}", std::process::id())), e));
        }
        Ok(staging)
    }

    /// The output folder.
    pub fn out(&self) -> &Path {
        &self.out
    }

    /// The names staged so far, in the order they were written.
    pub fn files(&self) -> &[String] {
        &self.files
    }

    /// Writes file `name` (a plain file name) into the staging folder, atomically; writing a name
    /// again replaces it.
    pub fn write(
        &mut self,
        name: &str,
        contents: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    ) -> Result<(), WriteError> {
        let final_path = self.out.join(name);
        if !is_file_name(name) {
            return Err(WriteError::Unsupported {
                path: final_path.display().to_string(),
                message: "an output file name must be a single path component".into(),
            });
        }
        write_atomic(&self.dir.join(name), contents).map_err(|e| match e {
            WriteError::Io { source, .. } => io_error(&final_path, source),
            other => other,
        })?;
        if !self.files.iter().any(|f| f == name) {
            self.files.push(name.to_string());
        }
        Ok(())
    }

    /// Moves the staged files into the output folder, `marker` last; files of the folder for
    /// which `stale` is true and that this run did not write are removed first (step files of a
    /// longer earlier run).
    pub fn publish(self, marker: &str, stale: impl Fn(&str) -> bool) -> Result<(), WriteError> {
        self.publish_with(marker, stale, |_| Ok(()))
    }

    /// [`Staging::publish`] with a hook called before each file is moved (given its name); an
    /// error from the hook stops the publication there, as a crash would (tests use it to
    /// simulate `kill -9` between two moves).
    pub fn publish_with(
        mut self,
        marker: &str,
        stale: impl Fn(&str) -> bool,
        mut before_move: impl FnMut(&str) -> std::io::Result<()>,
    ) -> Result<(), WriteError> {
        // 1. Every destination must be replaceable: nothing has moved when one is not.
        for name in &self.files {
            let to = self.out.join(name);
            if to.symlink_metadata().is_ok_and(|m| m.is_dir()) {
                return Err(io_error(
                    &to,
                    std::io::Error::other("a folder is in the way of the result file; remove or rename it"),
                ));
            }
        }
        let partial = |path: &Path, e: std::io::Error| {
            let note = format!(
                "{e}; the output folder now holds a partial set of files and no {marker} (a folder without \
                 {marker} holds no complete run): run again"
            );
            io_error(path, std::io::Error::new(e.kind(), note))
        };
        // 2. The earlier run is no longer complete from here on: its marker goes first.
        let old_marker = self.out.join(marker);
        if old_marker.symlink_metadata().is_ok() {
            std::fs::remove_file(&old_marker).map_err(|e| io_error(&old_marker, e))?;
        }
        for old in list_files(&self.out).map_err(|e| partial(&self.out, e))? {
            if stale(&old) && !self.files.contains(&old) {
                let path = self.out.join(&old);
                std::fs::remove_file(&path).map_err(|e| partial(&path, e))?;
            }
        }
        // 3. The files, then the marker.
        let mut order: Vec<String> = self.files.iter().filter(|f| *f != marker).cloned().collect();
        order.extend(self.files.iter().filter(|f| *f == marker).cloned());
        for name in &order {
            let to = self.out.join(name);
            before_move(name).map_err(|e| {
                // A crash leaves the staging folder for the next run to sweep.
                self.done = true;
                partial(&to, e)
            })?;
            std::fs::rename(self.dir.join(name), &to).map_err(|e| partial(&to, e))?;
        }
        self.done = true;
        std::fs::remove_dir(&self.dir).map_err(|e| io_error(&self.dir, e))
    }

    /// Removes the staging folder (and the output folder when this run created it and it is
    /// empty) without publishing; dropping a `Staging` does the same.
    pub fn abandon(mut self) {
        self.clean_up();
    }

    fn clean_up(&mut self) {
        if self.done {
            return;
        }
        self.done = true;
        if !self.dir.as_os_str().is_empty() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
        let Some(top) = &self.created else { return };
        // Remove the folders this run created, innermost first, while they are empty.
        for dir in self.out.ancestors() {
            if std::fs::remove_dir(dir).is_err() || dir == top.as_path() {
                break;
            }
        }
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        self.clean_up();
    }
}

/// True for a non-empty name that is one path component (no separator, not `.` or `..`).
fn is_file_name(name: &str) -> bool {
    let mut parts = Path::new(name).components();
    matches!((parts.next(), parts.next()), (Some(std::path::Component::Normal(n)), None) if n == name)
}

fn list_files(dir: &Path) -> std::io::Result<Vec<String>> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            if let Some(name) = entry.file_name().to_str() {
                names.push(name.to_string());
            }
        }
    }
    Ok(names)
}

/// Whether process `pid` exists, where that can be told (`/proc` on Linux).
fn process_alive(pid: u32) -> Option<bool> {
    let proc = Path::new("/proc");
    (cfg!(target_os = "linux") && proc.join("self").exists()).then(|| proc.join(pid.to_string()).exists())
}

/// The process id in a leftover's name: `.partial-<pid>` or `.organ-twin-<pid>-XXXXXX.tmp`; `None`
/// for names of neither form. `Some(None)` is a temporary file without a process id (written
/// before temporary names carried one).
fn leftover_pid(name: &str) -> Option<Option<u32>> {
    if let Some(pid) = name.strip_prefix(STAGING_PREFIX) {
        return pid.parse().ok().map(Some);
    }
    let rest = name.strip_prefix(super::TEMP_PREFIX)?.strip_suffix(super::TEMP_SUFFIX)?;
    Some(rest.split_once('-').and_then(|(pid, _)| pid.parse().ok()))
}

/// Removes, from `dir`, staging folders and temporary files of processes that no longer exist
/// (and have not been modified for a while). Best effort: what cannot be removed stays.
pub fn sweep(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let now = SystemTime::now();
    for entry in entries.flatten() {
        let Some(name) = entry.file_name().to_str().map(str::to_string) else { continue };
        let Some(pid) = leftover_pid(&name) else { continue };
        let Ok(meta) = entry.metadata() else { continue };
        let age = meta.modified().ok().and_then(|m| now.duration_since(m).ok()).unwrap_or_default();
        let orphan = match pid.and_then(process_alive) {
            Some(false) => age >= ORPHAN_AGE,
            Some(true) => false,
            None => age >= ORPHAN_AGE_UNKNOWN,
        };
        if orphan {
            let path = entry.path();
            let _ = if meta.is_dir() { std::fs::remove_dir_all(&path) } else { std::fs::remove_file(&path) };
        }
    }
}

/// A sentence saying that `out` still holds an earlier run's results (its `marker` file and how
/// long ago it was written), for the message of a run that failed before publishing; `None` when
/// there is no marker there.
pub fn earlier_results(out: &Path, marker: &str) -> Option<String> {
    let path = out.join(marker);
    let meta = std::fs::metadata(&path).ok().filter(|m| m.is_file())?;
    let age = meta.modified().ok().and_then(|m| SystemTime::now().duration_since(m).ok());
    let when = match age.map(|a| a.as_secs()) {
        Some(s) if s < 120 => format!("{s} s ago"),
        Some(s) if s < 7200 => format!("{} min ago", s / 60),
        Some(s) if s < 172_800 => format!("{} h ago", s / 3600),
        Some(s) => format!("{} days ago", s / 86_400),
        None => "at an unknown time".into(),
    };
    Some(format!(
        "{} still holds the results of an earlier run ({marker} written {when}); this run did not replace them",
        out.display()
    ))
}
