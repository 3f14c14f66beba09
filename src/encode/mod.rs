//! encode stage.
