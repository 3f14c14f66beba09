//! audio stage.
