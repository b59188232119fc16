//! The NCT simulator (being written).
