//! Documents arbot drafts for customers, laid out for paper: statements (PDF and CSV), letters and
//! preliminary notices / Notices to Owner and lien waivers,
//! on a small PDF kit of our own over `pdf-writer` ([`pdf`]). Core computes every figure; these
//! modules only place them on the page.

pub mod letter;
pub mod notice;
pub mod pdf;
pub mod statement;
pub mod waiver;
