//! A parsed file as a [`Source`], so an import goes through the sync engine like every other
//! source. Every import is a full read of the file, and the file says nothing about what it does
//! not hold: no watermark, and no page is `complete` (nothing is inferred deleted from absence).
//! A file of invoices can be reconciled ([`Reconcilable::File`]): its open rows are listed and
//! read back by id, and an invoice it leaves out is left as it is.

use arbot_core::source::{Entity, OpenInvoice, OpenInvoicePage, Page, Reconcilable, Record, Source, SourceError};

use crate::Kind;

impl Kind {
    /// The entity a file of this kind holds.
    pub fn entity(&self) -> Entity {
        match self {
            Kind::Invoices => Entity::Invoice,
            Kind::Payments => Entity::Payment,
            Kind::Customers => Entity::Customer,
            Kind::Jobs => Entity::Job,
        }
    }
}

/// The records of one parsed file, as one page of the kind's entity: the customers and jobs its
/// rows name first (as customers, parents first), then the kind's own records (an invoices file's
/// credits with its invoices). One page is one transaction, so an import is all of the file or
/// none of it (a killed or failing import leaves no names without their invoices); the names and
/// the credits are counted apart ([`arbot_core::store::Tally`]).
#[derive(Debug)]
pub struct SpreadsheetSource {
    name: String,
    entities: [Entity; 1],
    /// Handed over by the first [`Source::fetch`] of the kind's entity (a file of a million rows
    /// is not held twice); after it, the source holds nothing. A reconcile reads a file afresh
    /// for each question it asks, so it lists and re-reads from a source not yet fetched.
    records: std::sync::Mutex<Vec<Record>>,
}

impl SpreadsheetSource {
    /// `name` is the source the records are keyed under (`--source`, `spreadsheet` by default);
    /// `records` are what [`crate::parse`] made of a file of `kind`.
    pub fn new(name: impl Into<String>, kind: Kind, records: Vec<Record>) -> SpreadsheetSource {
        let (mut names, own): (Vec<Record>, Vec<Record>) = records.into_iter().partition(|r| match kind {
            Kind::Invoices | Kind::Payments => matches!(r, Record::Customer(_) | Record::Job(_)),
            Kind::Jobs => matches!(r, Record::Customer(_)),
            Kind::Customers => false,
        });
        names.extend(own);
        SpreadsheetSource { name: name.into(), entities: [kind.entity()], records: std::sync::Mutex::new(names) }
    }

    fn records(&self) -> std::sync::MutexGuard<'_, Vec<Record>> {
        self.records.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn invoices(records: &[Record]) -> impl Iterator<Item = &arbot_core::source::InvoiceRecord> {
        records.iter().filter_map(|r| match r {
            Record::Invoice(i) => Some(i),
            _ => None,
        })
    }
}

#[async_trait::async_trait]
impl Source for SpreadsheetSource {
    fn name(&self) -> &str {
        &self.name
    }

    fn entities(&self) -> &[Entity] {
        &self.entities
    }

    async fn fetch(&self, entity: Entity, _since: Option<&str>, _cursor: Option<&str>) -> Result<Page, SourceError> {
        let records = if entity == self.entities[0] { std::mem::take(&mut *self.records()) } else { Vec::new() };
        let expected_total = Some(records.len() as u64);
        Ok(Page { records, expected_total, ..Page::default() })
    }

    async fn fetch_by_ids(&self, entity: Entity, ids: &[String]) -> Result<Vec<Record>, SourceError> {
        if entity != Entity::Invoice {
            return Ok(Vec::new());
        }
        let records = self.records();
        Ok(Self::invoices(&records).filter(|i| ids.contains(&i.external_id)).cloned().map(Record::Invoice).collect())
    }

    fn reconcilable(&self) -> Reconcilable {
        if self.entities[0] == Entity::Invoice {
            Reconcilable::File
        } else {
            Reconcilable::No(format!("the file of source '{}' holds no invoices to compare", self.name))
        }
    }

    /// The file's open invoices, in one page.
    async fn open_invoices(&self, _cursor: Option<&str>) -> Result<OpenInvoicePage, SourceError> {
        let records = self.records();
        let invoices = Self::invoices(&records).filter_map(OpenInvoice::of).collect();
        Ok(OpenInvoicePage { invoices, next: None, served_at: None })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::{Options, parse, read::read_csv};

    fn source(kind: Kind, csv: &str) -> SpreadsheetSource {
        let table = read_csv(csv.as_bytes()).unwrap();
        let at = chrono::DateTime::<chrono::Utc>::UNIX_EPOCH + chrono::Duration::days(20_000);
        let opts = Options {
            kind: Some(kind),
            mapping: crate::Mapping::default(),
            currency: arbot_core::Currency::USD,
            today: at.date_naive(),
            at,
        };
        let parsed = parse(&table, &opts).unwrap();
        assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
        SpreadsheetSource::new("ar-file", kind, parsed.records)
    }

    #[tokio::test]
    async fn a_file_is_one_page_names_first() {
        let s = source(
            Kind::Invoices,
            "invoice,customer,job,date,total\n1,Acme,Tower,2024-10-01,100\n2,Acme,,2024-10-02,50\n",
        );
        assert_eq!((s.name(), s.entities()), ("ar-file", &[Entity::Invoice][..]));

        // A file of invoices lists its open ones and reads them back by id; absence proves nothing.
        assert_eq!(s.reconcilable(), Reconcilable::File);
        let open = s.open_invoices(None).await.unwrap();
        assert_eq!(
            open.invoices.iter().map(|i| (i.number.as_str(), i.balance_minor)).collect::<Vec<_>>(),
            [("1", 10_000), ("2", 5_000)]
        );
        assert_eq!(open.next, None);
        let ids = vec![open.invoices[1].external_id.clone(), "not in the file".to_string()];
        assert_eq!(s.fetch_by_ids(Entity::Invoice, &ids).await.unwrap().len(), 1);

        let page = s.fetch(Entity::Invoice, Some("anything"), None).await.unwrap();
        assert!(
            matches!(page.records[..], [Record::Customer(_), Record::Job(_), Record::Invoice(_), Record::Invoice(_)]),
            "the customer and the job the rows name, then the invoices: {:?}",
            page.records
        );
        assert_eq!(page.expected_total, Some(4));
        // One page, no watermark, and not a complete pass: nothing is deleted for being absent.
        assert_eq!((page.next, page.watermark, page.complete), (None, None, false));
        assert!(s.fetch(Entity::Customer, None, None).await.unwrap().records.is_empty());
        // Handed over once: the file's rows are not held twice.
        assert!(s.fetch(Entity::Invoice, None, None).await.unwrap().records.is_empty());

        let customers = source(Kind::Customers, "name\nAcme\n");
        assert!(matches!(customers.reconcilable(), Reconcilable::No(why) if why.contains("holds no invoices")));
        assert_eq!(customers.entities(), [Entity::Customer]);
        assert_eq!(customers.fetch(Entity::Customer, None, None).await.unwrap().records.len(), 1);
    }
}
