//! NCT portal API: wire DTOs and the reqwest client.
