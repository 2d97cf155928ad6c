#![allow(clippy::unwrap_used)]

use super::*;
use crate::read::{float_text, read_csv};

fn opts(kind: Option<Kind>) -> Options {
    Options {
        kind,
        mapping: Mapping::default(),
        currency: Currency::USD,
        today: NaiveDate::from_ymd_opt(2026, 11, 22).unwrap(),
        at: "2026-11-22T15:00:00Z".parse().unwrap(),
    }
}

#[test]
fn every_template_reads_back_without_problems() {
    for kind in Kind::ALL {
        let table = read_csv(template(kind).as_bytes()).unwrap();
        let parsed = parse(&table, &opts(None)).unwrap();
        assert_eq!(parsed.kind, kind, "the kind is recognised from the template's header");
        assert!(parsed.problems.is_empty(), "{kind}: {:?}", parsed.problems);
        assert_eq!(parsed.good_rows, 1, "{kind}");
        assert_eq!(parsed.items, 1, "{kind}");
    }
}

#[test]
fn invoices_as_people_type_them() {
    let csv = "Inv #,Customer Name,Project,Invoice Date,Due Date,Amount,Open Balance\n\
               1042,Acme  Builders,Marina Tower,10/15/2026,\"Nov 14, 2026\",\"$12,500.00\",\"7,500\"\n\
               1043,Acme Builders,,2026-10-20,,950,\n";
    let parsed = parse(&read_csv(csv.as_bytes()).unwrap(), &opts(None)).unwrap();
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    let invoices: Vec<&InvoiceRecord> =
        parsed.records.iter().filter_map(|r| if let Record::Invoice(i) = r { Some(i) } else { None }).collect();
    assert_eq!(invoices[0].external_id, "inv:1042");
    assert_eq!(invoices[0].customer_external_id, "acme builders");
    assert_eq!(invoices[0].job_external_id.as_deref(), Some("acme builders/marina tower"));
    assert_eq!((invoices[0].total_minor, invoices[0].balance_minor), (1_250_000, 750_000));
    assert_eq!(invoices[0].due, NaiveDate::from_ymd_opt(2026, 11, 14).unwrap());
    assert_eq!((invoices[1].balance_minor, invoices[1].due), (95_000, invoices[1].issued), "defaults");
    // The customer and job the rows name, at the oldest version so they never overwrite.
    let names: Vec<(&str, i64)> = parsed
        .records
        .iter()
        .filter_map(|r| {
            if let Record::Customer(c) = r {
                Some((c.name.as_str(), c.version.updated_at.timestamp_micros()))
            } else {
                None
            }
        })
        .collect();
    assert_eq!(names, vec![("Acme  Builders", 1)]);
}

#[test]
fn every_bad_value_is_reported_with_row_column_value_and_why() {
    let csv = "invoice,customer,date,due,total,balance\n\
               1001,Acme,2026-02-30,,100,\n\
               1002,,2026-03-01,2026-02-01,abc,\n\
               1001,Gulf,2026-03-02,,50,60\n\
               \n\
               1004,Maple,2026-03-03,,12.345,\n";
    let parsed = parse(&read_csv(csv.as_bytes()).unwrap(), &opts(Some(Kind::Invoices))).unwrap();
    let got: Vec<String> = parsed.problems.iter().map(|p| p.to_string()).collect();
    assert_eq!(
        got,
        vec![
            "row 2, column 'date' ('2026-02-30'): Feb 30, 2026 isn't a date. Did you mean Feb 28 or Mar 1?",
            "row 3, column 'customer': is empty; every row needs it",
            "row 3, column 'total' ('abc'): I couldn't read 'abc' as an amount. Try 1200.30 or $1,200.30.",
            "row 3, column 'due' ('2026-02-01'): is before the invoice date",
            "row 4, column 'balance' ('60'): is more than the invoice total",
            "row 4, column 'invoice' ('1001'): is also on row 2; each invoice number once",
            "row 6, column 'total' ('12.345'): '12.345' has more decimals than USD has (2). Try 12.34.",
        ]
    );
    assert_eq!((parsed.rows, parsed.good_rows), (4, 0));
}

#[test]
fn a_mapping_names_other_columns() {
    let mapping = Mapping::from_toml(
        "kind = \"payments\"\ncurrency = \"CAD\"\n[columns]\nreference = \"Chq\"\ncustomer = \"Payer\"\ndate = \"When\"\namount = \"Sum\"\ninvoice = \"For\"\n",
    )
    .unwrap();
    let csv = "Chq;Payer;When;Sum;For\n4471;Acme;2026-11-20;500;1042\n4471;Acme;2026-11-20;250,00;1043\n;Acme;2026-11-21;100;\n";
    // A semicolon file, and a European decimal comma is refused rather than misread.
    let parsed = parse(&read_csv(csv.as_bytes()).unwrap(), &Options { mapping, ..opts(None) }).unwrap();
    assert_eq!(parsed.kind, Kind::Payments);
    assert_eq!(parsed.problems.len(), 1, "{:?}", parsed.problems);
    assert_eq!(parsed.problems[0].row, 3);
    let pays: Vec<&PaymentRecord> =
        parsed.records.iter().filter_map(|r| if let Record::Payment(p) = r { Some(p) } else { None }).collect();
    assert_eq!(pays.len(), 2);
    let check = pays.iter().find(|p| p.reference.as_deref() == Some("4471")).unwrap();
    assert_eq!((check.amount_minor, check.unapplied_minor, check.currency.code()), (50_000, 0, "CAD"));
    let on_account = pays.iter().find(|p| p.reference.is_none()).unwrap();
    assert_eq!((on_account.amount_minor, on_account.unapplied_minor), (10_000, 10_000));

    let bad = Mapping::from_toml("[columns]\nnope = \"x\"\n").unwrap();
    let err = parse(&read_csv(csv.as_bytes()).unwrap(), &Options { mapping: bad, ..opts(Some(Kind::Payments)) });
    assert!(err.unwrap_err().to_string().contains("'nope' is not a column of payments"));
}

#[test]
fn one_check_paying_several_invoices_is_one_payment() {
    let csv = "reference,customer,date,amount,invoice,applied\n\
               9001,Acme,2026-11-20,1000,1042,600\n\
               9001,Acme,2026-11-20,1000,1043,300\n";
    let parsed = parse(&read_csv(csv.as_bytes()).unwrap(), &opts(Some(Kind::Payments))).unwrap();
    let Some(Record::Payment(p)) = parsed.records.iter().find(|r| matches!(r, Record::Payment(_))) else { panic!() };
    assert_eq!((p.amount_minor, p.unapplied_minor, p.applications.len()), (100_000, 10_000, 2));
    assert_eq!(p.applications[1].invoice_external_id, "inv:1043");
    let over = csv.replace("1043,300", "1043,500");
    let parsed = parse(&read_csv(over.as_bytes()).unwrap(), &opts(Some(Kind::Payments))).unwrap();
    assert!(parsed.problems[0].why.contains("applies more than the payment"), "{:?}", parsed.problems);
}

#[test]
fn a_missing_column_is_named_with_the_fix() {
    let err =
        parse(&read_csv(b"invoice,customer,date\n1,a,2026-01-01\n").unwrap(), &opts(Some(Kind::Invoices))).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("no column for total") && text.contains("--mapping"), "{text}");
    let err = parse(&read_csv(b"a,b\n1,2\n").unwrap(), &opts(None)).unwrap_err();
    assert!(err.to_string().contains("--kind"), "{err}");
}

#[test]
fn excel_numbers_read_as_excel_shows_them() {
    assert_eq!(float_text(0.1 + 0.2), "0.3");
    assert_eq!(float_text(12500.0), "12500");
    assert_eq!(float_text(12500.5), "12500.5");
    assert_eq!(float_text(-0.0), "0");
    assert_eq!(float_text(1234.567), "1234.567");
}

fn invoices_of(parsed: &Parsed) -> Vec<&InvoiceRecord> {
    parsed.records.iter().filter_map(|r| if let Record::Invoice(i) = r { Some(i) } else { None }).collect()
}

#[test]
fn foundation_sage_and_quickbooks_desktop_headers_are_read_out_of_the_box() {
    let foundation = "invoice_no,customer_no,job_no,invoice_date,invoice_amount,amount_due,retainage_amount\n\
                      5001,C-1001,J-240,2026-09-15,\"24,000.00\",\"4,000.00\",400\n";
    let sage = "Invoice#,Client,Job,Invoice Date,Due Date,Invoice Total,Paid,Retention\n\
                5002,Bayfront,Lofts,2026-10-01,2026-10-31,\"12,500.00\",\"5,000.00\",\"1,250.00\"\n";
    let qbd = "Type,Date,Num,Name,Due Date,Amount,Open Balance\n\
               Invoice,10/01/2026,5003,Bayfront Builders Inc:Harbor Point Lofts,10/31/2026,900.00,900.00\n\
               Credit Memo,11/02/2026,CM-9,Bayfront Builders Inc,11/02/2026,-150.00,-150.00\n";
    for (who, csv) in [("foundation", foundation), ("sage", sage), ("quickbooks desktop", qbd)] {
        let parsed = parse(&read_csv(csv.as_bytes()).unwrap(), &opts(Some(Kind::Invoices))).unwrap();
        assert!(parsed.problems.is_empty(), "{who}: {:?}", parsed.problems);
        let i = invoices_of(&parsed)[0];
        match who {
            "foundation" => assert_eq!(
                (i.customer_external_id.as_str(), i.job_external_id.as_deref(), i.balance_minor, i.retainage_minor),
                ("c-1001", Some("c-1001/j-240"), 400_000, 40_000)
            ),
            "sage" => assert_eq!((i.total_minor, i.balance_minor, i.retainage_minor), (1_250_000, 750_000, 125_000)),
            _ => {
                assert_eq!(
                    (i.customer_external_id.as_str(), i.job_external_id.as_deref()),
                    ("bayfront builders inc", Some("bayfront builders inc/harbor point lofts")),
                    "a Customer:Job name is a customer and a job"
                );
                let credit =
                    parsed.records.iter().find_map(|r| if let Record::CreditMemo(m) = r { Some(m) } else { None });
                assert_eq!(credit.map(|m| (m.total_minor, m.remaining_minor)), Some((15_000, 15_000)));
            }
        }
        assert_eq!(i.balance_as_of, Some(opts(None).today), "{who}: as of the day of the import");
    }
}

#[test]
fn payments_know_the_customer_by_the_same_names_as_invoices() {
    let csv = "Check No.,Bill To,Check Date,Amount,Invoice#\n8801,Bayfront Builders Inc,2026-11-25,500,5001\n";
    let parsed = parse(&read_csv(csv.as_bytes()).unwrap(), &opts(Some(Kind::Payments))).unwrap();
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    let p = parsed.records.iter().find_map(|r| if let Record::Payment(p) = r { Some(p) } else { None }).unwrap();
    assert_eq!((p.customer_external_id.as_str(), p.reference.as_deref()), ("bayfront builders inc", Some("8801")));
    assert_eq!(p.applications[0].invoice_external_id, "inv:5001");

    // A cash-receipts export calls the amount what it is from the customer's side: paid.
    let csv =
        "Bill To,Check #,Check Date,Invoice #,Amount Paid\nBayfront Builders Inc,5521,11/20/2026,S-100,\"10,000.00\"\n";
    let parsed = parse(&read_csv(csv.as_bytes()).unwrap(), &opts(Some(Kind::Payments))).unwrap();
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    let p = parsed.records.iter().find_map(|r| if let Record::Payment(p) = r { Some(p) } else { None }).unwrap();
    assert_eq!((p.amount_minor, p.reference.as_deref()), (1_000_000, Some("5521")));
}

#[test]
fn credits_in_accountants_notation_import_as_credit_memos() {
    let csv = "invoice,customer,date,total\nCM-1,Acme,2026-11-01,\"(1,200.00)\"\nCM-2,Acme,2026-11-01,-1200\n\
               CM-3,Acme,2026-11-01,\"1,200.00-\"\n";
    let parsed = parse(&read_csv(csv.as_bytes()).unwrap(), &opts(None)).unwrap();
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    let credits: Vec<(String, i64)> = parsed
        .records
        .iter()
        .filter_map(|r| if let Record::CreditMemo(m) = r { Some((m.number.clone(), m.remaining_minor)) } else { None })
        .collect();
    assert_eq!(credits, vec![("CM-1".into(), 120_000), ("CM-2".into(), 120_000), ("CM-3".into(), 120_000)]);
    assert!(invoices_of(&parsed).is_empty(), "a credit is never a charge");
    // A negative payment is refused with advice that, followed, keeps it a credit.
    let pay = "customer,date,amount\nAcme,2026-11-01,(50.00)\n";
    let parsed = parse(&read_csv(pay.as_bytes()).unwrap(), &opts(Some(Kind::Payments))).unwrap();
    assert_eq!(parsed.problems.len(), 1);
    assert!(parsed.problems[0].why.contains("a negative total imports as a credit"), "{}", parsed.problems[0]);
    assert!(!parsed.problems[0].why.contains("without a minus sign"));
}
