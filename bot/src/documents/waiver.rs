//! A lien waiver laid out for signing and mailing: the claimant at the head with the date, the
//! job and the statute, the form's title, its notice boxed in bold, its text and fields in the
//! statute's order, the signature block (and a notary's block where the form has one), and at the
//! foot where the wording comes from. The words come from `arbot_core::waivers`; this module
//! only places them.

use arbot_core::notices::Block;
use arbot_core::waivers::WaiverDraft;

use super::notice::{LEADING, RIGHT, SIZE, WIDTH, field, heading, paragraph, room, warning};
use super::pdf::{Doc, Face, MARGIN, PAGE_HEIGHT, PAGE_WIDTH, wrap};

/// `Midtown-Sacramento-Mixed-Use-conditional-progress-waiver-Pay-app-7-2026-12-03.pdf`.
pub fn file_name(job: &str, pay_app: &str, w: &WaiverDraft) -> String {
    let slug =
        |s: &str| s.split(|c: char| !c.is_ascii_alphanumeric()).filter(|p| !p.is_empty()).collect::<Vec<_>>().join("-");
    let app = slug(pay_app);
    let app = if app.is_empty() { String::new() } else { format!("-{app}") };
    format!("{}-{}{app}-{}.pdf", slug(job), w.file_stem, w.date.format("%Y-%m-%d"))
}

/// The waiver as PDF.
pub fn pdf(w: &WaiverDraft, job: &str) -> Vec<u8> {
    let date = w.date.format("%B %-d, %Y").to_string();
    let mut doc = Doc::new(
        format!("{} from {} — {job}, {date}", w.document, w.claimant),
        format!("{} · {} · {job}", w.claimant, w.document),
    );
    let top = PAGE_HEIGHT - MARGIN - 10.0;
    doc.text(MARGIN, top, 13.0, Face::Bold, &w.claimant);
    let mut y = top - 13.0;
    for line in &w.claimant_address {
        doc.text(MARGIN, y, 9.0, Face::Regular, line);
        y -= 11.0;
    }
    doc.text_right(RIGHT, top, 9.0, Face::Regular, &format!("Date: {date}"));
    doc.text_right(RIGHT, top - 11.0, 9.0, Face::Regular, &format!("Job: {job}"));
    doc.text_right(RIGHT, top - 22.0, 9.0, Face::Regular, w.form.citation);
    doc.y = y.min(top - 22.0) - 4.0;
    doc.rule(MARGIN, RIGHT, doc.y, 0.8);
    doc.y -= 10.0;
    for line in wrap(w.form.title, 13.0, Face::Bold, WIDTH) {
        doc.y -= 17.0;
        doc.text_centred(PAGE_WIDTH / 2.0, doc.y, 13.0, Face::Bold, &line);
    }
    doc.y -= 6.0;
    if let Some(notice) = &w.notice {
        warning(&mut doc, notice);
    }
    for block in &w.blocks {
        match block {
            Block::Warning(text) => warning(&mut doc, text),
            Block::Heading(text) => heading(&mut doc, text),
            Block::Text(text) => paragraph(&mut doc, MARGIN, WIDTH, Face::Regular, text),
            Block::Bold(text) => paragraph(&mut doc, MARGIN, WIDTH, Face::Bold, text),
            Block::Bullet(text) => paragraph(&mut doc, MARGIN + 14.0, WIDTH - 14.0, Face::Regular, text),
            Block::Field { label, value } => field(&mut doc, label, value),
        }
    }
    // The signature (and the notary's block) stay together.
    room(&mut doc, if w.notary { 190.0 } else { 90.0 });
    signature(&mut doc, w);
    if w.notary {
        notary(&mut doc);
    }
    let source = wrap(&w.source, 7.5, Face::Regular, WIDTH);
    room(&mut doc, 10.0 + source.len() as f32 * 9.5);
    doc.y -= 8.0;
    for line in source {
        doc.y -= 9.5;
        doc.text(MARGIN, doc.y, 7.5, Face::Regular, &line);
    }
    doc.finish()
}

fn signature(doc: &mut Doc, w: &WaiverDraft) {
    doc.y -= 18.0;
    doc.text(MARGIN, doc.y, SIZE, Face::Bold, &format!("Claimant: {}", w.claimant));
    doc.y -= 28.0;
    doc.rule(MARGIN, MARGIN + 250.0, doc.y, 0.6);
    doc.rule(MARGIN + 290.0, RIGHT, doc.y, 0.6);
    doc.y -= 10.0;
    let by = match &w.signer {
        Some(signer) => format!("Claimant's signature — {signer}"),
        None => "Claimant's signature, printed name and title".to_string(),
    };
    doc.text(MARGIN, doc.y, 8.0, Face::Regular, &by);
    doc.text(MARGIN + 290.0, doc.y, 8.0, Face::Regular, "Date of signature");
    doc.y -= 4.0;
}

fn notary(doc: &mut Doc) {
    doc.y -= 20.0;
    doc.text(MARGIN, doc.y, SIZE, Face::Bold, "Notary acknowledgment");
    doc.y -= LEADING;
    doc.text(
        MARGIN,
        doc.y,
        8.5,
        Face::Regular,
        "§ 53.281(b)(2) as enacted in 2011 asks for the waiver to be notarized; confirm whether the current text still does.",
    );
    doc.y -= LEADING + 4.0;
    for line in [
        "SUBSCRIBED AND SWORN TO before me on this ______ day of ____________________, ________.",
        "Notary Public in and for the State of Texas.   My commission expires: ____________________",
    ] {
        doc.y -= LEADING;
        doc.text(MARGIN, doc.y, SIZE, Face::Regular, line);
    }
    doc.y -= 30.0;
    doc.rule(MARGIN, MARGIN + 250.0, doc.y, 0.6);
    doc.y -= 10.0;
    doc.text(MARGIN, doc.y, 8.0, Face::Regular, "Notary's signature and seal");
}
