//! One customer, one job, however the files name them. A file keys a customer by its id where it
//! has a `customer_id` column and by its name otherwise, and a customer, job or invoice file may
//! mention a customer by either. Before an import is written, [`resolve`] matches every mention
//! with what the source already holds: the same id (whatever its case), or else the same name
//! (case and spacing aside). A record first met by name and later named with its id takes that
//! id, so the user's system's key wins and no second customer or job is made.

use std::collections::HashMap;

use arbot_core::source::{Entity, Record};
use arbot_core::store::{KeyedName, Store, StoreError};

use crate::name_key;

/// The stored customers or jobs of the source, found by id or name.
struct Known {
    items: Vec<KeyedName>,
}

impl Known {
    /// A stored record whose id is `mention` (any case), or else whose name is.
    fn find(&self, mention: &str, parent: Option<&str>) -> Option<&KeyedName> {
        let key = name_key(mention);
        let under = |k: &&KeyedName| parent.is_none_or(|p| k.parent.as_deref() == Some(p));
        self.items
            .iter()
            .filter(under)
            .find(|k| k.external_id.eq_ignore_ascii_case(mention.trim()) || last_part(&k.external_id) == key)
            .or_else(|| self.items.iter().filter(under).find(|k| name_key(&k.name) == key))
    }

    /// The stored records met by mention only (their keys are what arbot made of a name or an
    /// id, not the user's id itself) that the record `id` named `name` is: the first takes that
    /// id, the others are folded into it.
    fn met_by_mention(&self, id: &str, name: &str, parent: Option<&str>) -> Vec<String> {
        let (id_key, name) = (name_key(id), name_key(name));
        self.items
            .iter()
            .filter(|k| parent.is_none_or(|p| k.parent.as_deref() == Some(p)) && k.external_id != id)
            .filter(|k| {
                let made = last_part(&k.external_id);
                made == id_key || (made == name && name_key(&k.name) == name)
            })
            .map(|k| k.external_id.clone())
            .collect()
    }

    fn forget(&mut self, key: &str) {
        self.items.retain(|k| k.external_id != key);
    }

    fn rename(&mut self, from: &str, to: &str) {
        for k in &mut self.items {
            if k.external_id == from {
                k.external_id = to.to_string();
            }
            if k.parent.as_deref() == Some(from) {
                k.parent = Some(to.to_string());
            }
        }
    }
}

/// Folds each job arbot keyed from a mention (`customer/job`) into the job of the same customer
/// keyed by its number that it names, by that number or by the same name.
async fn fold_jobs(store: &dyn Store, source: &str, jobs: &mut Known) -> Result<(), StoreError> {
    let by_id: Vec<KeyedName> = jobs.items.iter().filter(|k| !k.external_id.contains('/')).cloned().collect();
    for job in by_id {
        let same: Vec<String> = jobs
            .items
            .iter()
            .filter(|k| k.external_id.contains('/') && k.parent == job.parent)
            .filter(|k| {
                last_part(&k.external_id) == name_key(&job.external_id) || name_key(&k.name) == name_key(&job.name)
            })
            .map(|k| k.external_id.clone())
            .collect();
        for old in same {
            if store.merge(source, Entity::Job, &old, &job.external_id).await? {
                jobs.forget(&old);
            }
        }
    }
    Ok(())
}

/// A job key arbot made is `customer/job`; the part that names the job.
fn last_part(key: &str) -> String {
    name_key(key.rsplit_once('/').map_or(key, |(_, j)| j))
}

/// Matches the customers and jobs `records` name (and the records of a customers or jobs file)
/// with those `source` holds, rewriting their keys, and gives a stored customer or job met by
/// name the id a customers or jobs file now gives it.
pub async fn resolve(store: &dyn Store, source: &str, records: &mut [Record]) -> Result<(), StoreError> {
    let mut customers = Known { items: store.keyed_names(source, Entity::Customer).await?.into_iter().collect() };
    let mut jobs = Known { items: store.keyed_names(source, Entity::Job).await? };
    let reference = crate::reference_version();

    // A customers file's own rows: by id where given, else the name's stored key.
    let mut customer_keys: HashMap<String, String> = HashMap::new();
    for r in records.iter_mut() {
        let Record::Customer(c) = r else { continue };
        if c.version == reference {
            continue;
        }
        let named_by_id = c.external_id != name_key(&c.name);
        if named_by_id {
            let id = c.external_id.clone();
            let mut stored = customers.items.iter().any(|k| k.external_id == id);
            for old in customers.met_by_mention(&id, &c.name, None) {
                if !stored && store.rekey(source, Entity::Customer, &old, &id).await? {
                    customers.rename(&old, &id);
                    jobs.rename(&old, &id);
                    stored = true;
                } else if stored && store.merge(source, Entity::Customer, &old, &id).await? {
                    customers.forget(&old);
                    jobs.rename(&old, &id);
                }
            }
        } else if let Some(k) = customers.find(&c.name, None) {
            c.external_id = k.external_id.clone();
        }
    }
    // Customers folded together may each have held the same job, by its number and its name.
    fold_jobs(store, source, &mut jobs).await?;
    // Every mention of a customer by another record: the stored key it names, if any.
    for r in records.iter_mut() {
        let (key, name) = match r {
            Record::Customer(c) if c.version == reference => (&mut c.external_id, c.name.clone()),
            Record::Job(j) => (&mut j.customer_external_id, String::new()),
            Record::Invoice(i) => (&mut i.customer_external_id, String::new()),
            Record::CreditMemo(m) => (&mut m.customer_external_id, String::new()),
            Record::Payment(p) => (&mut p.customer_external_id, String::new()),
            _ => continue,
        };
        let mention = if name.is_empty() { key.clone() } else { name };
        let resolved = match customer_keys.get(key.as_str()) {
            Some(k) => k.clone(),
            None => {
                let k = customers.find(&mention, None).map_or_else(|| key.clone(), |k| k.external_id.clone());
                customer_keys.insert(key.clone(), k.clone());
                k
            }
        };
        *key = resolved;
    }
    // Jobs: a jobs file's rows by job id where given; every job mention by id or name under its
    // (resolved) customer.
    let mut job_keys: HashMap<String, String> = HashMap::new();
    for r in records.iter_mut() {
        let Record::Job(j) = r else { continue };
        let made = format!("{}/{}", j.customer_external_id, name_key(&j.name));
        let named_by_id = j.version != reference && !j.external_id.contains('/');
        let parent = Some(j.customer_external_id.as_str());
        if named_by_id {
            let id = j.external_id.clone();
            let mut stored = jobs.items.iter().any(|k| k.external_id == id);
            for old in jobs.met_by_mention(&id, &j.name, parent) {
                if !stored && store.rekey(source, Entity::Job, &old, &id).await? {
                    jobs.rename(&old, &id);
                    stored = true;
                } else if stored && store.merge(source, Entity::Job, &old, &id).await? {
                    jobs.forget(&old);
                }
            }
        } else {
            let old = j.external_id.clone();
            j.external_id = jobs.find(&j.name, parent).map_or(made, |k| k.external_id.clone());
            job_keys.insert(old, j.external_id.clone());
        }
    }
    fold_jobs(store, source, &mut jobs).await?;
    for r in records.iter_mut() {
        if let Record::Invoice(i) = r
            && let Some(job) = &mut i.job_external_id
            && let Some(k) = job_keys.get(job.as_str())
        {
            *job = k.clone();
        }
    }
    Ok(())
}
