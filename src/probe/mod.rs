//! probe stage.
