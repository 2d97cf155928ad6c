//! QuickBooks Online's JSON, as much of it as arbot reads (Accounting API v3, minor version 75).

use arbot_connector_http::Num;
use chrono::NaiveDate;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct Ref {
    pub value: String,
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MetaData {
    pub last_updated_time: String,
}

#[derive(Debug, Deserialize)]
pub struct EmailAddr {
    #[serde(rename = "Address", default)]
    pub address: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Phone {
    #[serde(rename = "FreeFormNumber", default)]
    pub free_form_number: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Address {
    #[serde(default)]
    pub line1: Option<String>,
    #[serde(default)]
    pub line2: Option<String>,
    #[serde(default)]
    pub line3: Option<String>,
    #[serde(default)]
    pub line4: Option<String>,
    #[serde(default)]
    pub line5: Option<String>,
    #[serde(default)]
    pub city: Option<String>,
    #[serde(default)]
    pub country_sub_division_code: Option<String>,
    #[serde(default)]
    pub postal_code: Option<String>,
    #[serde(default)]
    pub country: Option<String>,
}

impl Address {
    /// The address as lines: street lines, then "City, ST 33602", then the country.
    pub fn lines(&self) -> Option<String> {
        arbot_core::source::address_lines(
            [&self.line1, &self.line2, &self.line3, &self.line4, &self.line5],
            self.city.as_deref(),
            self.country_sub_division_code.as_deref(),
            self.postal_code.as_deref(),
            self.country.as_deref(),
        )
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Customer {
    pub id: String,
    #[serde(default)]
    pub sync_token: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub fully_qualified_name: Option<String>,
    #[serde(default)]
    pub company_name: Option<String>,
    #[serde(default)]
    pub active: Option<bool>,
    #[serde(default)]
    pub job: Option<bool>,
    #[serde(default)]
    pub parent_ref: Option<Ref>,
    #[serde(default)]
    pub primary_email_addr: Option<EmailAddr>,
    #[serde(default)]
    pub primary_phone: Option<Phone>,
    #[serde(default)]
    pub bill_addr: Option<Address>,
    pub meta_data: MetaData,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Invoice {
    pub id: String,
    #[serde(default)]
    pub sync_token: Option<String>,
    #[serde(default)]
    pub doc_number: Option<String>,
    pub txn_date: NaiveDate,
    #[serde(default)]
    pub due_date: Option<NaiveDate>,
    pub total_amt: Num,
    pub balance: Num,
    pub customer_ref: Ref,
    #[serde(default)]
    pub currency_ref: Option<Ref>,
    #[serde(default)]
    pub private_note: Option<String>,
    #[serde(default)]
    pub project_ref: Option<Ref>,
    pub meta_data: MetaData,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct LinkedTxn {
    pub txn_id: String,
    pub txn_type: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PaymentLine {
    pub amount: Num,
    #[serde(default)]
    pub linked_txn: Vec<LinkedTxn>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Payment {
    pub id: String,
    #[serde(default)]
    pub sync_token: Option<String>,
    pub txn_date: NaiveDate,
    pub total_amt: Num,
    #[serde(default)]
    pub unapplied_amt: Option<Num>,
    pub customer_ref: Ref,
    #[serde(default)]
    pub currency_ref: Option<Ref>,
    #[serde(default)]
    pub payment_method_ref: Option<Ref>,
    #[serde(default)]
    pub payment_ref_num: Option<String>,
    #[serde(default)]
    pub line: Vec<PaymentLine>,
    pub meta_data: MetaData,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreditMemo {
    pub id: String,
    #[serde(default)]
    pub sync_token: Option<String>,
    #[serde(default)]
    pub doc_number: Option<String>,
    pub txn_date: NaiveDate,
    pub total_amt: Num,
    #[serde(default)]
    pub remaining_credit: Option<Num>,
    #[serde(default)]
    pub balance: Option<Num>,
    pub customer_ref: Ref,
    #[serde(default)]
    pub currency_ref: Option<Ref>,
    pub meta_data: MetaData,
}

/// `QueryResponse`: the entity key is present only when rows came back; `totalCount` is the
/// answer to a `count(*)` query (on a page of rows it is not reliable and arbot ignores it).
#[derive(Debug, Default, Deserialize)]
pub struct QueryResponse {
    #[serde(rename = "totalCount", default)]
    pub total_count: Option<u64>,
    #[serde(rename = "Customer", default)]
    pub customers: Vec<Customer>,
    #[serde(rename = "Invoice", default)]
    pub invoices: Vec<Invoice>,
    #[serde(rename = "Payment", default)]
    pub payments: Vec<Payment>,
    #[serde(rename = "CreditMemo", default)]
    pub credit_memos: Vec<CreditMemo>,
    #[serde(rename = "Account", default)]
    pub accounts: Vec<Account>,
}

/// A chart-of-accounts entry; the float watch reads the bank accounts' `CurrentBalance`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Account {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub account_type: Option<String>,
    #[serde(default)]
    pub active: Option<bool>,
    #[serde(default)]
    pub current_balance: Option<Num>,
    #[serde(default)]
    pub currency_ref: Option<Ref>,
}

/// Every answer: a result, or a fault (`Fault` or lowercase `fault`), and the server's time.
#[derive(Debug, Deserialize)]
pub struct Envelope {
    #[serde(rename = "QueryResponse", default)]
    pub query_response: Option<QueryResponse>,
    #[serde(rename = "CDCResponse", default)]
    pub cdc_response: Option<Vec<CdcBlock>>,
    #[serde(rename = "Fault", alias = "fault", default)]
    pub fault: Option<Fault>,
    #[serde(default)]
    pub time: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Fault {
    #[serde(rename = "Error", alias = "error", default)]
    pub errors: Vec<FaultError>,
    #[serde(rename = "type", alias = "Type", default)]
    pub kind: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct FaultError {
    #[serde(rename = "Message", alias = "message", default)]
    pub message: Option<String>,
    #[serde(rename = "Detail", alias = "detail", default)]
    pub detail: Option<String>,
    #[serde(default)]
    pub code: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct CdcBlock {
    #[serde(rename = "QueryResponse", default)]
    pub groups: Vec<CdcGroup>,
}

/// One entity's changes in a CDC answer.
#[derive(Debug, Default, Deserialize)]
pub struct CdcGroup {
    #[serde(rename = "Customer", default)]
    pub customers: Vec<CdcItem>,
    #[serde(rename = "Invoice", default)]
    pub invoices: Vec<CdcItem>,
    #[serde(rename = "Payment", default)]
    pub payments: Vec<CdcItem>,
    #[serde(rename = "CreditMemo", default)]
    pub credit_memos: Vec<CdcItem>,
}

#[derive(Debug, Deserialize)]
pub struct CdcItem {
    #[serde(rename = "Id")]
    pub id: String,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(rename = "MetaData", default)]
    pub meta_data: Option<MetaData>,
}
