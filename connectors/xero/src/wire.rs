//! Xero's JSON, as much of it as arbot reads, and its `/Date(ms+hhmm)/` values.

use arbot_connector_http::Num;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Deserialize;

/// `/Date(1539993600000+0000)/` split into epoch milliseconds and the offset in minutes.
pub fn ms_date(text: &str) -> Option<(i64, i32)> {
    let inner = text.trim().strip_prefix("/Date(")?.strip_suffix(")/")?;
    // The sign of the offset is the first + or - after the first character (ms may be negative).
    let split = inner.char_indices().skip(1).find(|(_, c)| *c == '+' || *c == '-').map(|(i, _)| i);
    let (ms, offset) = match split {
        Some(i) => (&inner[..i], Some(&inner[i..])),
        None => (inner, None),
    };
    let ms: i64 = ms.parse().ok()?;
    let minutes = match offset {
        None => 0,
        Some(o) => {
            let sign = if o.starts_with('-') { -1 } else { 1 };
            let digits = &o[1..];
            if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let h: i32 = digits[..2].parse().ok()?;
            let m: i32 = digits[2..].parse().ok()?;
            sign * (h * 60 + m)
        }
    };
    Some((ms, minutes))
}

/// An instant (`UpdatedDateUTC`): the milliseconds are the instant; the offset says nothing more.
pub fn instant(text: &str) -> Option<DateTime<Utc>> {
    let (ms, _) = ms_date(text)?;
    DateTime::from_timestamp_millis(ms)
}

/// A calendar date (`Date`, `DueDate`): the `*String` twin when present, else the milliseconds
/// moved by the offset ("add/subtract the time offset to calculate the date").
pub fn date(value: Option<&str>, string: Option<&str>) -> Option<NaiveDate> {
    if let Some(s) = string
        && let Some(d) = s.get(..10).and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
    {
        return Some(d);
    }
    let (ms, minutes) = ms_date(value?)?;
    let at = DateTime::from_timestamp_millis(ms)? + Duration::minutes(i64::from(minutes));
    Some(at.date_naive())
}

#[derive(Debug, Deserialize)]
pub struct ContactRef {
    #[serde(rename = "ContactID")]
    pub id: String,
}

#[derive(Debug, Deserialize)]
pub struct Phone {
    #[serde(rename = "PhoneType", default)]
    pub kind: Option<String>,
    #[serde(rename = "PhoneNumber", default)]
    pub number: Option<String>,
    #[serde(rename = "PhoneAreaCode", default)]
    pub area: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Contact {
    #[serde(rename = "ContactID")]
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub contact_status: Option<String>,
    #[serde(default)]
    pub email_address: Option<String>,
    #[serde(default)]
    pub is_customer: Option<bool>,
    #[serde(default)]
    pub is_supplier: Option<bool>,
    #[serde(default)]
    pub phones: Vec<Phone>,
    #[serde(default)]
    pub addresses: Vec<XeroAddress>,
    #[serde(rename = "UpdatedDateUTC", default)]
    pub updated: Option<String>,
}

/// One of a contact's addresses: `POBOX` (where invoices are sent) or `STREET`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct XeroAddress {
    #[serde(default)]
    pub address_type: Option<String>,
    #[serde(default)]
    pub address_line1: Option<String>,
    #[serde(default)]
    pub address_line2: Option<String>,
    #[serde(default)]
    pub address_line3: Option<String>,
    #[serde(default)]
    pub address_line4: Option<String>,
    #[serde(default)]
    pub city: Option<String>,
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub postal_code: Option<String>,
    #[serde(default)]
    pub country: Option<String>,
}

impl XeroAddress {
    pub fn lines(&self) -> Option<String> {
        arbot_core::source::address_lines(
            [&self.address_line1, &self.address_line2, &self.address_line3, &self.address_line4, &None],
            self.city.as_deref(),
            self.region.as_deref(),
            self.postal_code.as_deref(),
            self.country.as_deref(),
        )
    }
}

#[derive(Debug, Deserialize)]
pub struct InvoiceRef {
    #[serde(rename = "InvoiceID")]
    pub id: String,
    #[serde(rename = "Type", default)]
    pub kind: Option<String>,
    #[serde(rename = "Contact", default)]
    pub contact: Option<ContactRef>,
    #[serde(rename = "CurrencyCode", default)]
    pub currency: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Invoice {
    #[serde(rename = "InvoiceID")]
    pub id: String,
    #[serde(rename = "Type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub invoice_number: Option<String>,
    #[serde(default)]
    pub reference: Option<String>,
    pub contact: ContactRef,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub date: Option<String>,
    #[serde(default)]
    pub date_string: Option<String>,
    #[serde(default)]
    pub due_date: Option<String>,
    #[serde(default)]
    pub due_date_string: Option<String>,
    #[serde(default)]
    pub total: Option<Num>,
    #[serde(default)]
    pub amount_due: Option<Num>,
    #[serde(default)]
    pub currency_code: Option<String>,
    #[serde(rename = "UpdatedDateUTC", default)]
    pub updated: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Payment {
    #[serde(rename = "PaymentID")]
    pub id: String,
    #[serde(default)]
    pub date: Option<String>,
    pub amount: Num,
    #[serde(default)]
    pub reference: Option<String>,
    #[serde(default)]
    pub payment_type: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(rename = "UpdatedDateUTC", default)]
    pub updated: Option<String>,
    #[serde(default)]
    pub invoice: Option<InvoiceRef>,
    #[serde(rename = "BatchPaymentID", default)]
    pub batch_payment_id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Allocation {
    pub amount: Num,
    #[serde(default)]
    pub invoice: Option<InvoiceRef>,
    #[serde(default)]
    pub is_deleted: Option<bool>,
}

/// A credit note, overpayment or prepayment: credit with allocations to invoices.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Credit {
    #[serde(rename = "CreditNoteID", alias = "OverpaymentID", alias = "PrepaymentID")]
    pub id: String,
    #[serde(rename = "Type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub credit_note_number: Option<String>,
    #[serde(default)]
    pub reference: Option<String>,
    pub contact: ContactRef,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub date: Option<String>,
    #[serde(default)]
    pub date_string: Option<String>,
    #[serde(default)]
    pub total: Option<Num>,
    #[serde(default)]
    pub remaining_credit: Option<Num>,
    #[serde(default)]
    pub currency_code: Option<String>,
    #[serde(default)]
    pub allocations: Vec<Allocation>,
    #[serde(rename = "UpdatedDateUTC", default)]
    pub updated: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pagination {
    #[serde(default)]
    pub page_count: Option<u32>,
    /// Rows matching the request across all its pages.
    #[serde(default)]
    pub item_count: Option<u64>,
}

/// A list answer: one of the lists, the server time, maybe pagination.
#[derive(Debug, Default, Deserialize)]
pub struct Envelope {
    #[serde(rename = "DateTimeUTC", default)]
    pub time: Option<String>,
    #[serde(default)]
    pub pagination: Option<Pagination>,
    #[serde(rename = "Contacts", default)]
    pub contacts: Vec<Contact>,
    #[serde(rename = "Invoices", default)]
    pub invoices: Vec<Invoice>,
    #[serde(rename = "Payments", default)]
    pub payments: Vec<Payment>,
    #[serde(rename = "CreditNotes", alias = "Overpayments", alias = "Prepayments", default)]
    pub credits: Vec<Credit>,
    #[serde(rename = "Reports", default)]
    pub reports: Vec<Report>,
}

/// A report (`ReportWithRows`): the float watch reads the Bank Summary's closing balances.
#[derive(Debug, Deserialize)]
pub struct Report {
    #[serde(rename = "ReportType", default)]
    pub kind: Option<String>,
    #[serde(rename = "Rows", default)]
    pub rows: Vec<ReportRow>,
}

#[derive(Debug, Deserialize)]
pub struct ReportRow {
    #[serde(rename = "RowType", default)]
    pub kind: Option<String>,
    #[serde(rename = "Cells", default)]
    pub cells: Vec<ReportCell>,
    #[serde(rename = "Rows", default)]
    pub rows: Vec<ReportRow>,
}

#[derive(Debug, Deserialize)]
pub struct ReportCell {
    #[serde(rename = "Value", default)]
    pub value: Option<String>,
    #[serde(rename = "Attributes", default)]
    pub attributes: Vec<ReportAttribute>,
}

#[derive(Debug, Deserialize)]
pub struct ReportAttribute {
    #[serde(rename = "Id", default)]
    pub id: Option<String>,
    #[serde(rename = "Value", default)]
    pub value: Option<String>,
}

/// `ValidationException` and problem-details bodies.
#[derive(Debug, Deserialize)]
pub struct ErrorBody {
    #[serde(rename = "Type", default)]
    pub kind: Option<String>,
    #[serde(rename = "Message", default)]
    pub message: Option<String>,
    #[serde(rename = "Title", default)]
    pub title: Option<String>,
    #[serde(rename = "Detail", default)]
    pub detail: Option<String>,
    #[serde(rename = "Elements", default)]
    pub elements: Vec<ErrorElement>,
}

#[derive(Debug, Deserialize)]
pub struct ErrorElement {
    #[serde(rename = "ValidationErrors", default)]
    pub validation_errors: Vec<ValidationError>,
}

#[derive(Debug, Deserialize)]
pub struct ValidationError {
    #[serde(rename = "Message", default)]
    pub message: Option<String>,
}

/// A tenant the tokens may read (`GET /connections`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tenant {
    pub tenant_id: String,
    #[serde(default)]
    pub tenant_name: Option<String>,
    #[serde(default)]
    pub tenant_type: Option<String>,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn dates_and_instants_are_read_apart() {
        // Dates: midnight UTC; with +1300 the offset moves the calendar day (NZ).
        assert_eq!(date(Some("/Date(1539993600000+0000)/"), None), Some(d(2018, 10, 20)));
        assert_eq!(date(Some("/Date(1455447600000+1300)/"), None), Some(d(2016, 2, 15)));
        assert_eq!(date(Some("/Date(1455447600000+1300)/"), Some("2016-02-15T00:00:00")), Some(d(2016, 2, 15)));
        // A US organisation west of UTC: midnight local is the day, not the day before.
        assert_eq!(date(Some("/Date(1455516000000-0600)/"), None), Some(d(2016, 2, 15)));
        // Negative (a 1917 due date), zero, and no offset at all.
        assert_eq!(date(Some("/Date(-1642464000000+0000)/"), None), Some(d(1917, 12, 15)));
        assert_eq!(date(Some("/Date(0+0000)/"), None), Some(d(1970, 1, 1)));
        assert_eq!(date(Some("/Date(1552348800000)/"), None), Some(d(2019, 3, 12)));
        assert_eq!(date(Some("/Date(abc)/"), None), None);
        assert_eq!(date(Some("2019-03-12"), None), None);
        // Instants: the milliseconds are the instant, whatever the offset says.
        assert_eq!(instant("/Date(1541176592690+0000)/").unwrap().to_rfc3339(), "2018-11-02T16:36:32.690+00:00");
        assert_eq!(instant("/Date(1541176592690+1300)/").unwrap().to_rfc3339(), "2018-11-02T16:36:32.690+00:00");
        assert_eq!(instant("/Date(-1000)/").unwrap().to_rfc3339(), "1969-12-31T23:59:59+00:00");
        // The wire text escapes its slashes; a JSON parser unescapes them.
        let v: String = serde_json::from_str(r#""\/Date(1539993600000+0000)\/""#).unwrap();
        assert_eq!(date(Some(&v), None), Some(d(2018, 10, 20)));
    }
}
