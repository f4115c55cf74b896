//! Errors of reading and writing mesh files. Each names the file, the position in it (line or
//! byte), the entity, and what to do.

use crate::mesh::{MeshError, SourceLoc};

/// Why a mesh file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file could not be opened or read.
    #[error("{path}: cannot read the file: {source}; check the path and its permissions")]
    Io {
        /// File path.
        path: String,
        /// Underlying error.
        source: std::io::Error,
    },
    /// The extension names no supported format.
    #[error(
        "{path}: unknown mesh format '{ext}'; supported: .msh (Gmsh 2.2/4.1), .vtk, .vtu, .inp (Abaqus), \
         .mesh (Medit), .node/.ele (TetGen)"
    )]
    UnknownFormat {
        /// File path.
        path: String,
        /// The extension found.
        ext: String,
    },
    /// The bytes do not follow the format.
    #[error("{source_name}{}: {message}", loc_suffix(.at))]
    Syntax {
        /// File name (or other source label).
        source_name: String,
        /// Where.
        at: SourceLoc,
        /// What is wrong and what to do.
        message: String,
    },
    /// The file parsed but describes an invalid mesh.
    #[error("{source_name}{}: {source}", loc_suffix(&source.location()))]
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
    #[error("{path}: cannot write format '{ext}'; writable formats: .msh (Gmsh 4.1 ASCII), .vtu, .vtk")]
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
