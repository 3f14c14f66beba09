//! capture stage.
