//! compile stage.
