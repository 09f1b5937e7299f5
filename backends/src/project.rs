//! A generated project: files with relative paths, written to an output directory so that a
//! failure never leaves it half-written (everything is written to a temporary sibling directory
//! first, then moved in). The directory keeps a list of the files tmlc wrote there
//! ([`FILE_LIST`]); writing another project to it removes the files of the old list that the new
//! project does not have, and nothing else (a user's own files stay).

use std::path::{Path, PathBuf};
use tmlc_core::diagnostic::{DiagResult, Diagnostic, ErrorCode};

/// One generated file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// Relative path with `/` separators (`runtime/conv2d.c`).
    pub path: String,
    pub contents: Vec<u8>,
    /// A copy of a checked-in source (the runtime, the board files), not generated for the
    /// model: it keeps its own header (no provenance stamp).
    pub verbatim: bool,
}

/// The file in an output directory that lists, one per line, the files tmlc wrote there.
pub const FILE_LIST: &str = ".tmlc-files";

/// Everything a backend produces for one model.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Project {
    pub files: Vec<GeneratedFile>,
}

fn io_error(message: String) -> Diagnostic {
    Diagnostic::new(ErrorCode::Io, message)
}

impl Project {
    pub fn add(&mut self, path: impl Into<String>, contents: impl Into<Vec<u8>>) {
        self.files.push(GeneratedFile {
            path: path.into(),
            contents: contents.into(),
            verbatim: false,
        });
    }

    /// Adds a verbatim copy of a checked-in source.
    pub fn add_copy(&mut self, path: impl Into<String>, contents: impl Into<Vec<u8>>) {
        self.files.push(GeneratedFile {
            path: path.into(),
            contents: contents.into(),
            verbatim: true,
        });
    }

    pub fn file(&self, path: &str) -> Option<&GeneratedFile> {
        self.files.iter().find(|f| f.path == path)
    }

    /// Writes every file under `dir` (created if missing). Files are first written to a
    /// temporary directory beside `dir`; only when all of them are written are they moved in.
    pub fn write_to(&self, dir: &Path) -> DiagResult<()> {
        let parent = match dir.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = dir
            .file_name()
            .map_or("out".into(), |n| n.to_string_lossy().into_owned());
        let staging = parent.join(format!(".{name}.tmlc-{}", std::process::id()));
        let result = self.write_staged(&staging, dir);
        let _ = std::fs::remove_dir_all(&staging);
        result
    }

    fn write_staged(&self, staging: &Path, dir: &Path) -> DiagResult<()> {
        std::fs::create_dir_all(staging).map_err(|e| {
            io_error(format!(
                "cannot write to {}: {e}",
                staging.parent().unwrap_or(staging).display()
            ))
        })?;
        for file in &self.files {
            let path = staging.join(&file.path);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)
                    .map_err(|e| io_error(format!("cannot create {}: {e}", parent.display())))?;
            }
            std::fs::write(&path, &file.contents)
                .map_err(|e| io_error(format!("cannot write {}: {e}", path.display())))?;
        }
        std::fs::create_dir_all(dir).map_err(|e| {
            io_error(format!(
                "cannot create output directory {}: {e}",
                dir.display()
            ))
        })?;
        let list: String = self.files.iter().map(|f| format!("{}\n", f.path)).collect();
        let list_path = staging.join(FILE_LIST);
        std::fs::write(&list_path, list)
            .map_err(|e| io_error(format!("cannot write {}: {e}", list_path.display())))?;
        self.remove_stale(dir);
        for file in &self.files {
            let target = dir.join(&file.path);
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent)
                    .map_err(|e| io_error(format!("cannot create {}: {e}", parent.display())))?;
            }
            std::fs::rename(staging.join(&file.path), &target)
                .map_err(|e| io_error(format!("cannot write {}: {e}", target.display())))?;
        }
        let target = dir.join(FILE_LIST);
        std::fs::rename(&list_path, &target)
            .map_err(|e| io_error(format!("cannot write {}: {e}", target.display())))?;
        Ok(())
    }

    /// Removes the files an earlier compilation listed in `dir` that this project does not
    /// write, and the directories that leaves empty. Only relative paths below `dir` are
    /// touched; a list that cannot be read removes nothing.
    fn remove_stale(&self, dir: &Path) {
        let Ok(old) = std::fs::read_to_string(dir.join(FILE_LIST)) else {
            return;
        };
        let kept: std::collections::HashSet<&str> =
            self.files.iter().map(|f| f.path.as_str()).collect();
        for path in old.lines().filter(|p| !kept.contains(p)) {
            let relative = Path::new(path);
            let below = !path.is_empty()
                && relative
                    .components()
                    .all(|c| matches!(c, std::path::Component::Normal(_)));
            if !below {
                continue;
            }
            let _ = std::fs::remove_file(dir.join(relative));
            // Empty directories it leaves, up to (not including) `dir`; remove_dir fails on a
            // directory that still holds anything.
            for parent in relative.ancestors().skip(1) {
                if parent.as_os_str().is_empty() || std::fs::remove_dir(dir.join(parent)).is_err() {
                    break;
                }
            }
        }
    }
}
