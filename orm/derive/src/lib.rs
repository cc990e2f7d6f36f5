//! `aludel-derive`: the procedural macros of Aludel's ORM.
//!
//! This crate will hold `#[derive(Model)]`, which generates a model's table
//! metadata, its typed column handles, row decoding and primary-key identity
//! for `aludel-orm`. The generated code names `aludel_orm`, never this crate.
//! The derive arrives with the ORM; until then the crate exports nothing.
