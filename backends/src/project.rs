//! A generated project: files with relative paths, written to an output directory so that a
//! failure never leaves it half-written (everything is written to a temporary sibling directory
//! first, then moved in).

use std::path::{Path, PathBuf};
use tmlc_core::diagnostic::{DiagResult, Diagnostic, ErrorCode};

/// One generated file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// Relative path with `/` separators (`runtime/conv2d.c`).
    pub path: String,
    pub contents: Vec<u8>,
}

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
        for file in &self.files {
            let target = dir.join(&file.path);
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent)
                    .map_err(|e| io_error(format!("cannot create {}: {e}", parent.display())))?;
            }
            std::fs::rename(staging.join(&file.path), &target)
                .map_err(|e| io_error(format!("cannot write {}: {e}", target.display())))?;
        }
        Ok(())
    }
}
