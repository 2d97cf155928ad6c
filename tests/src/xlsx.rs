//! Test workbooks: a minimal XLSX file (what Excel saves, less the decoration), written cell by
//! cell, for the import tests.

use std::io::Write;
use std::path::Path;

use chrono::NaiveDate;

/// One cell: a string, a number as written, or a date (stored as Excel's serial number).
#[derive(Debug, Clone, Copy)]
pub enum XCell {
    S(&'static str),
    N(&'static str),
    D(NaiveDate),
}

/// A minimal XLSX workbook (what Excel saves, less the decoration): one sheet named `sheet`,
/// strings inline, numbers plain, dates as serial numbers with a date format.
pub fn write(path: &Path, sheet: &str, rows: &[Vec<XCell>]) {
    use zip::write::SimpleFileOptions;
    let file = std::fs::File::create(path).expect("write the test workbook");
    let mut z = zip::ZipWriter::new(file);
    let opts = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let mut put = |name: &str, body: &str| {
        z.start_file(name, opts).expect("write the test workbook");
        z.write_all(body.as_bytes()).expect("write the test workbook");
    };
    put(
        "[Content_Types].xml",
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>"#,
    );
    put(
        "_rels/.rels",
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
    );
    put(
        "xl/workbook.xml",
        &format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="{sheet}" sheetId="1" r:id="rId1"/></sheets></workbook>"#
        ),
    );
    put(
        "xl/_rels/workbook.xml.rels",
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"#,
    );
    put(
        "xl/styles.xml",
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="0"/><fonts count="1"><font/></fonts><fills count="1"><fill/></fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf/></cellStyleXfs><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>"#,
    );
    let mut data = String::new();
    for (r, row) in rows.iter().enumerate() {
        data.push_str(&format!("<row r=\"{}\">", r + 1));
        for (c, cell) in row.iter().enumerate() {
            let at = format!("{}{}", (b'A' + c as u8) as char, r + 1);
            match cell {
                XCell::S(s) => data.push_str(&format!("<c r=\"{at}\" t=\"inlineStr\"><is><t>{s}</t></is></c>")),
                XCell::N(n) => data.push_str(&format!("<c r=\"{at}\"><v>{n}</v></c>")),
                XCell::D(d) => {
                    let serial = (*d - NaiveDate::from_ymd_opt(1899, 12, 30).expect("a date")).num_days();
                    data.push_str(&format!("<c r=\"{at}\" s=\"1\"><v>{serial}</v></c>"));
                }
            }
        }
        data.push_str("</row>");
    }
    put(
        "xl/worksheets/sheet1.xml",
        &format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{data}</sheetData></worksheet>"#
        ),
    );
    z.finish().expect("write the test workbook");
}
