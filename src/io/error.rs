//! Errors of reading and writing mesh files. Each names the file, the position in it (line or
//! byte), the entity, and what to do.

use crate::mesh::{MeshError, SourceLoc};

/// Why a mesh file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file could not be opened or read.
    #[error("{}: cannot read the file: {source}; check the path and its permissions", escape(.path))]
    Io {
        /// File path.
        path: String,
        /// Underlying error.
        source: std::io::Error,
    },
    /// The extension names no supported format.
    #[error(
        "{}: unknown mesh format '{}'; supported: .msh (Gmsh 2.2/4.1), .vtk, .vtu, .inp (Abaqus), \
         .mesh (Medit), .node/.ele (TetGen)",
        escape(.path),
        escape(.ext)
    )]
    UnknownFormat {
        /// File path.
        path: String,
        /// The extension found.
        ext: String,
    },
    /// The bytes do not follow the format.
    #[error("{}{}: {}", escape(.source_name), loc_suffix(.at), escape(.message))]
    Syntax {
        /// File name (or other source label).
        source_name: String,
        /// Where.
        at: SourceLoc,
        /// What is wrong and what to do.
        message: String,
    },
    /// The file parsed but describes an invalid mesh.
    #[error("{}{}: {}", escape(.source_name), loc_suffix(&.source.location()), escape(&.source.to_string()))]
    Invalid {
        /// File name.
        source_name: String,
        /// The validation error (it carries the position).
        source: MeshError,
    },
}

/// Why a mesh could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// Creating, writing or renaming the file failed; nothing was left at the destination.
    #[error("{path}: cannot write the file: {source}; check that the folder exists and is writable")]
    Io {
        /// Destination path.
        path: String,
        /// Underlying error.
        source: std::io::Error,
    },
    /// The extension names no format that can be written.
    #[error("{path}: cannot write format '{ext}'; writable formats: .msh (Gmsh 4.1 ASCII), .vtu")]
    UnknownFormat {
        /// Destination path.
        path: String,
        /// The extension found.
        ext: String,
    },
    /// The mesh cannot be expressed in the format.
    #[error("{path}: {message}")]
    Unsupported {
        /// Destination path.
        path: String,
        /// Why.
        message: String,
    },
}

/// `text` with its control characters written as escapes (`\u{1b}`, `\n`), so that a message never
/// carries raw bytes of a file (terminal escapes, carriage returns) to the user's terminal.
pub(crate) fn escape(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_string();
    }
    text.chars().map(|c| if c.is_control() { c.escape_default().to_string() } else { c.to_string() }).collect()
}

fn loc_suffix(at: &SourceLoc) -> String {
    match at {
        SourceLoc::Unknown => String::new(),
        other => format!(": {other}"),
    }
}

impl ReadError {
    /// A syntax error at `at`.
    pub(crate) fn syntax(source_name: &str, at: SourceLoc, message: impl Into<String>) -> ReadError {
        ReadError::Syntax { source_name: source_name.to_string(), at, message: message.into() }
    }

    /// True when the file could not be read at all (as opposed to bad content).
    pub fn is_io(&self) -> bool {
        matches!(self, ReadError::Io { .. })
    }
}
