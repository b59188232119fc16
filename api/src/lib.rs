//! NTIN Desk API: GraphQL on actix-web, the NCT simulator and the server start-up.

pub mod nct_sim;
