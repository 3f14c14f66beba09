//! assemble stage.
