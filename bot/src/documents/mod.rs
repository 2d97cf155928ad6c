//! Documents arbot drafts for customers, laid out for paper: statements (PDF and CSV), on a small
//! PDF kit of our own over `pdf-writer` ([`pdf`]). Core computes every figure; these modules only
//! place them on the page.

pub mod pdf;
pub mod statement;
