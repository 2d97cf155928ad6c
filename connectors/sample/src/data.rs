//! The demo ledger itself: Suncoast Mechanical's customers, jobs, billings and payments.
//!
//! Every date is in days before today. Amounts are in cents (`46_850_00` is $46,850.00). Payment
//! habits are written as "pays N days after the invoice", so what is open, and how late, is the
//! same for every `today`.

// Amounts are grouped as dollars_cents on purpose: `46_850_00` reads as $46,850.00.
#![allow(clippy::inconsistent_digit_grouping)]

use arbot_core::ledger::CustomerKind::{GeneralContractor as Gc, Homeowner, Other, PropertyOwner as Owner};
use arbot_core::ledger::InvoiceKind::{Completion, Deposit, Progress, Retainage, Service, TouchUp};
use arbot_core::ledger::OurRole;
use arbot_core::ledger::ProjectType::{Public, Residential};

use crate::builder::Method::{Ach, Card, Check, Wire};
use crate::builder::{Builder, CustomerSpec, JobSpec};

/// A notice of commencement recorded `recorded` days ago, good for a year.
const fn noc(recorded: i64) -> Option<(i64, i64)> {
    Some((recorded, recorded - 365))
}

/// Declares the whole ledger.
pub(crate) fn build(b: &mut Builder) {
    general_contractors(b);
    specialty_contractors(b);
    owners(b);
    homeowners(b);
}

fn general_contractors(b: &mut Builder) {
    // Acme Builders Inc: our biggest GC. Pays about 18 days late, always net of retainage.
    let acme = b.customer(CustomerSpec {
        id: "C001",
        name: "Acme Builders Inc",
        kind: Gc,
        terms: 30,
        pm: "jordan",
        email: "ap@acmebuilders.example",
        phone: "(407) 555-0142",
    });
    let riverside = b.job(
        acme,
        JobSpec {
            id: "J001",
            name: "Riverside Medical Office Building",
            city: "Orlando",
            county: "Orange",
            state: "FL",
            owner: "Riverside Health Partners LLC",
            gc: Some("Acme Builders Inc"),
            pm: "jordan",
            first: 285,
            noc: noc(300),
            retainage_bp: 1000,
            ..JobSpec::BASE
        },
    );
    let mobilization = b.invoice(riverside, Deposit, 283, 15_000_00, "Mobilization deposit - Riverside MOB");
    b.pay_net(mobilization, 20, Ach);
    let apps = b.progress(
        riverside,
        272,
        [18_400_00, 32_750_00, 41_200_00, 45_800_00, 52_300_00, 48_900_00, 39_600_00, 28_450_00, 21_700_00],
    );
    b.pay_each(&apps, 48, Ach);
    b.promise(acme, 25_605_00, -14, "kept", "jordan", 24);

    let lake_nona = b.job(
        acme,
        JobSpec {
            id: "J002",
            name: "Lake Nona Charter School",
            city: "Orlando",
            county: "Orange",
            state: "FL",
            owner: "Lake Nona Education Foundation",
            gc: Some("Acme Builders Inc"),
            pm: "jordan",
            first: 265,
            last: Some(120),
            noc: noc(275),
            retainage_bp: 1000,
            ..JobSpec::BASE
        },
    );
    let apps = b.progress(lake_nona, 258, [24_600_00, 38_900_00, 35_200_00, 19_750_00, 8_400_00]);
    b.pay_each(&apps, 45, Check);
    let done = b.invoice(lake_nona, Completion, 118, 6_250_00, "Final billing - Lake Nona Charter School");
    b.pay_net(done, 45, Check);
    let touch = b.invoice(lake_nona, TouchUp, 96, 1_180_00, "Punch list: relocate two hose bibbs");
    b.pay_net(touch, 48, Check);
    // One check releasing the retainage on all five pay apps.
    b.release_retainage(&apps, 40, Check);

    // Gulf Coast Builders LLC: Bayshore is done but its final bills are stuck in close-out;
    // Marina Tower just started.
    let gcb = b.customer(CustomerSpec {
        id: "C002",
        name: "Gulf Coast Builders LLC",
        kind: Gc,
        terms: 30,
        pm: "dana",
        email: "payables@gulfcoastbuilders.example",
        phone: "(813) 555-0178",
    });
    let bayshore = b.job(
        gcb,
        JobSpec {
            id: "J003",
            name: "Bayshore Commons Retail",
            city: "Tampa",
            county: "Hillsborough",
            state: "FL",
            owner: "Bayshore Commons Holdings LLC",
            gc: Some("Gulf Coast Builders LLC"),
            pm: "dana",
            first: 290,
            last: Some(100),
            noc: noc(300),
            retainage_bp: 1000,
            ..JobSpec::BASE
        },
    );
    let apps = b.progress(bayshore, 282, [21_300_00, 36_800_00, 44_100_00, 39_500_00, 27_900_00, 14_600_00]);
    b.pay_each(&apps, 38, Check);
    b.release_retainage(&apps, 80, Check);
    let final_bill = b.invoice(bayshore, Completion, 98, 14_250_00, "Final billing - Bayshore Commons Retail");
    b.invoice(bayshore, TouchUp, 72, 1_850_00, "Punch list: rebalance RTU-3 and RTU-4, replace damaged grilles");
    let cm = b.credit_memo(gcb, 50, 500_00);
    b.apply_credit(cm, final_bill, 45, 500_00);

    let marina = b.job(
        gcb,
        JobSpec {
            id: "J004",
            name: "Marina Tower",
            city: "Tampa",
            county: "Hillsborough",
            state: "FL",
            owner: "Marina Tower Partners LLC",
            gc: Some("Gulf Coast Builders LLC"),
            pm: "dana",
            first: 44,
            noc: noc(60),
            retainage_bp: 1000,
            ..JobSpec::BASE
        },
    );
    let mobilization = b.invoice(marina, Deposit, 43, 12_000_00, "Mobilization deposit - Marina Tower");
    b.pay_net(mobilization, 21, Ach);
    b.progress(marina, 36, [38_600_00, 52_900_00]);
    b.note(
        gcb,
        "email",
        "dana",
        20,
        "Sent the Bayshore close-out package (O&M manuals, as-builts, warranties) so AP can release the final bill.",
    );
    b.note(gcb, "call", "sam", 4, "Spoke to AP (Rita). Check run Friday.");
    b.promise(gcb, 12_000_00, 8, "open", "sam", 4);

    // Gulfstream Roofing: prime contractor on a reroof; we move and reset the rooftop units.
    let gulfstream = b.customer(CustomerSpec {
        id: "C003",
        name: "Gulfstream Roofing",
        kind: Gc,
        terms: 30,
        pm: "sam",
        email: "office@gulfstreamroofing.example",
        phone: "(727) 555-0119",
    });
    let seaside = b.job(
        gulfstream,
        JobSpec {
            id: "J005",
            name: "Seaside Village Clubhouse Reroof",
            city: "St. Petersburg",
            county: "Pinellas",
            state: "FL",
            owner: "Seaside Village HOA",
            gc: Some("Gulfstream Roofing"),
            pm: "sam",
            first: 75,
            noc: noc(80),
            retainage_bp: 500,
            ..JobSpec::BASE
        },
    );
    let apps = b.progress(seaside, 62, [8_750_00, 6_400_00]);
    b.pay_each(&apps, 37, Check);

    // Brightline Construction Group (Houston): 45-day terms, pays about a week late.
    let brightline = b.customer(CustomerSpec {
        id: "C007",
        name: "Brightline Construction Group",
        kind: Gc,
        terms: 45,
        pm: "sam",
        email: "accountspayable@brightlinecg.example",
        phone: "(713) 555-0126",
    });
    let westchase = b.job(
        brightline,
        JobSpec {
            id: "J011",
            name: "Westchase Office Tower",
            city: "Houston",
            county: "Harris",
            state: "TX",
            owner: "Westchase Tower Owner LP",
            gc: Some("Brightline Construction Group"),
            pm: "sam",
            first: 240,
            retainage_bp: 1000,
            ..JobSpec::BASE
        },
    );
    let katy = b.job(
        brightline,
        JobSpec {
            id: "J012",
            name: "Katy ISD Natatorium",
            city: "Katy",
            county: "Fort Bend",
            state: "TX",
            project_type: Public,
            owner: "Katy Independent School District",
            gc: Some("Brightline Construction Group"),
            pm: "sam",
            first: 232,
            last: Some(160),
            retainage_bp: 500,
            ..JobSpec::BASE
        },
    );
    let apps = b.progress(
        westchase,
        235,
        [27_300_00, 41_650_00, 48_200_00, 52_750_00, 49_100_00, 44_800_00, 36_250_00, 24_900_00],
    );
    b.pay_each(&apps, 52, Ach);
    let natatorium = b.progress(katy, 225, [33_400_00, 46_900_00, 28_700_00]);
    b.pay_each(&natatorium, 60, Check);
    b.voided(katy, Progress, 175, "Voided: billed to wrong job");
    let done = b.invoice(katy, Completion, 160, 7_850_00, "Final billing - Katy ISD Natatorium");
    b.pay_net(done, 60, Check);
    b.release_retainage(&natatorium, 95, Check);

    // Pacific Crest Builders (San Diego): pays in about five weeks, sometimes two apps at once.
    let pacific = b.customer(CustomerSpec {
        id: "C008",
        name: "Pacific Crest Builders",
        kind: Gc,
        terms: 30,
        pm: "maria",
        email: "ap@pacificcrestbuilders.example",
        phone: "(619) 555-0134",
    });
    let harbor_point = b.job(
        pacific,
        JobSpec {
            id: "J013",
            name: "Harbor Point Apartments",
            city: "San Diego",
            county: "San Diego",
            state: "CA",
            owner: "Harbor Point Residential LLC",
            gc: Some("Pacific Crest Builders"),
            pm: "maria",
            first: 262,
            retainage_bp: 500,
            ..JobSpec::BASE
        },
    );
    let apps = b.progress(
        harbor_point,
        255,
        [19_800_00, 34_250_00, 42_900_00, 47_600_00, 51_300_00, 46_450_00, 38_700_00, 29_850_00, 18_200_00],
    );
    b.pay_each(&apps[..4], 35, Ach);
    let both = [(apps[4], b.net(apps[4])), (apps[5], b.net(apps[5]))];
    b.pay(pacific, 68, Ach, &both, 0);
    b.pay_each(&apps[6..], 35, Ach);

    // Lone Star Commercial Contractors (Dallas): 60-day terms and still late; short-paid app #3.
    let lone_star = b.customer(CustomerSpec {
        id: "C009",
        name: "Lone Star Commercial Contractors",
        kind: Gc,
        terms: 60,
        pm: "jordan",
        email: "ap@lonestarcommercial.example",
        phone: "(214) 555-0157",
    });
    let legacy = b.job(
        lone_star,
        JobSpec {
            id: "J014",
            name: "Legacy Park Corporate Campus",
            city: "Plano",
            county: "Collin",
            state: "TX",
            owner: "Legacy Park Holdings LLC",
            gc: Some("Lone Star Commercial Contractors"),
            pm: "jordan",
            first: 200,
            retainage_bp: 1000,
            ..JobSpec::BASE
        },
    );
    let apps = b.progress(legacy, 195, [31_200_00, 45_800_00, 52_350_00, 48_600_00, 41_900_00, 33_750_00, 22_400_00]);
    b.pay_each(&apps[..2], 85, Check);
    let short = b.net(apps[2]) - 1_275_00;
    b.pay(lone_star, 50, Check, &[(apps[2], short)], 0);
    b.pay_each(&apps[3..], 85, Check);
    b.note(
        lone_star,
        "note",
        "jordan",
        15,
        "Short-paid pay app #3 by $1,275 for 'site cleanup'. Asked their PM for the backcharge backup.",
    );

    // Sunshine State Builders (Jacksonville): San Marco is done; retainage billed on its own invoice.
    let sunshine = b.customer(CustomerSpec {
        id: "C010",
        name: "Sunshine State Builders",
        kind: Gc,
        terms: 30,
        pm: "dana",
        email: "ap@sunshinestatebuilders.example",
        phone: "(904) 555-0108",
    });
    let san_marco = b.job(
        sunshine,
        JobSpec {
            id: "J015",
            name: "San Marco Lofts",
            city: "Jacksonville",
            county: "Duval",
            state: "FL",
            owner: "San Marco Lofts LLC",
            gc: Some("Sunshine State Builders"),
            pm: "dana",
            first: 178,
            last: Some(40),
            noc: noc(190),
            retainage_bp: 1000,
            ..JobSpec::BASE
        },
    );
    let (apps, kept) = b.progress_net(san_marco, 172, [22_600_00, 38_400_00, 41_750_00, 20_000_00, 9_800_00]);
    b.pay_each(&apps[..3], 33, Check);
    // Paid $450 more than pay app #4; the rest sits on account.
    let four = b.net(apps[3]);
    b.pay(sunshine, 50, Check, &[(apps[3], four)], 450_00);
    b.pay_each(&apps[4..], 33, Check);
    let done = b.invoice(san_marco, Completion, 40, 6_300_00, "Final billing - San Marco Lofts");
    b.pay_net(done, 33, Check);
    b.invoice(san_marco, Retainage, 12, kept, "Retainage release - San Marco Lofts (10% of pay apps #1-#5)");

    // Coastal Ridge Construction (Sarasota): reliable, pays a day late.
    let coastal = b.customer(CustomerSpec {
        id: "C011",
        name: "Coastal Ridge Construction",
        kind: Gc,
        terms: 30,
        pm: "lee",
        email: "ap@coastalridge.example",
        phone: "(941) 555-0171",
    });
    let siesta = b.job(
        coastal,
        JobSpec {
            id: "J016",
            name: "Siesta Key Resort Renovation",
            city: "Sarasota",
            county: "Sarasota",
            state: "FL",
            owner: "Siesta Key Resort Holdings LLC",
            gc: Some("Coastal Ridge Construction"),
            pm: "lee",
            first: 150,
            noc: noc(160),
            retainage_bp: 1000,
            ..JobSpec::BASE
        },
    );
    let apps = b.progress(siesta, 145, [26_400_00, 39_900_00, 44_650_00, 37_200_00, 25_800_00]);
    b.pay_each(&apps, 31, Wire);

    // Bayline General Contracting (Oakland).
    let bayline = b.customer(CustomerSpec {
        id: "C012",
        name: "Bayline General Contracting",
        kind: Gc,
        terms: 45,
        pm: "sam",
        email: "payables@baylinegc.example",
        phone: "(510) 555-0147",
    });
    let estuary = b.job(
        bayline,
        JobSpec {
            id: "J017",
            name: "Estuary Life Sciences Building",
            city: "Oakland",
            county: "Alameda",
            state: "CA",
            owner: "Estuary Labs LLC",
            gc: Some("Bayline General Contracting"),
            pm: "sam",
            first: 215,
            retainage_bp: 500,
            ..JobSpec::BASE
        },
    );
    let apps = b.progress(estuary, 210, [24_300_00, 38_600_00, 47_250_00, 51_900_00, 45_700_00, 36_400_00, 27_650_00]);
    b.pay_each(&apps, 50, Ach);

    // Redwood & Main Builders (Sacramento).
    let redwood = b.customer(CustomerSpec {
        id: "C013",
        name: "Redwood & Main Builders",
        kind: Gc,
        terms: 30,
        pm: "maria",
        email: "ap@redwoodmain.example",
        phone: "(916) 555-0112",
    });
    let midtown = b.job(
        redwood,
        JobSpec {
            id: "J018",
            name: "Midtown Sacramento Mixed-Use",
            city: "Sacramento",
            county: "Sacramento",
            state: "CA",
            owner: "Midtown 19th Street LLC",
            gc: Some("Redwood & Main Builders"),
            pm: "maria",
            first: 120,
            retainage_bp: 500,
            ..JobSpec::BASE
        },
    );
    let apps = b.progress(midtown, 115, [16_900_00, 28_750_00, 33_400_00, 21_600_00]);
    b.pay_each(&apps, 40, Ach);

    // Palmetto Development Group (Fort Myers): holding our retainage against a backcharge.
    let palmetto = b.customer(CustomerSpec {
        id: "C014",
        name: "Palmetto Development Group",
        kind: Gc,
        terms: 30,
        pm: "dana",
        email: "ap@palmettodg.example",
        phone: "(239) 555-0165",
    });
    let pointe = b.job(
        palmetto,
        JobSpec {
            id: "J019",
            name: "Palmetto Pointe Medical Plaza",
            city: "Fort Myers",
            county: "Lee",
            state: "FL",
            owner: "Palmetto Pointe Medical LLC",
            gc: Some("Palmetto Development Group"),
            pm: "dana",
            first: 300,
            last: Some(200),
            noc: noc(310),
            retainage_bp: 1000,
            ..JobSpec::BASE
        },
    );
    let (apps, kept) = b.progress_net(pointe, 295, [26_500_00, 41_300_00, 37_800_00, 22_400_00]);
    b.pay_each(&apps, 35, Check);
    let held = b.invoice(pointe, Retainage, 180, kept, "Retainage release - Palmetto Pointe (10% of pay apps #1-#4)");
    b.dispute(
        held,
        "backcharge",
        "dana",
        140,
        "Palmetto is holding our retainage against a $2,150 backcharge for ceiling tiles in suite 210; our photos show the leak came from the roof drain, not our piping.",
    );
    b.note(
        palmetto,
        "email",
        "dana",
        25,
        "Sent the roof-drain photos again and asked for a meeting with their super to close out the backcharge.",
    );

    // Trinity River Builders (Fort Worth): pays in about 60 days on 30-day terms.
    let trinity = b.customer(CustomerSpec {
        id: "C015",
        name: "Trinity River Builders",
        kind: Gc,
        terms: 30,
        pm: "jordan",
        email: "ap@trinityriverbuilders.example",
        phone: "(817) 555-0183",
    });
    let commons = b.job(
        trinity,
        JobSpec {
            id: "J020",
            name: "Trinity Commons Senior Living",
            city: "Fort Worth",
            county: "Tarrant",
            state: "TX",
            owner: "Trinity Commons Senior Living LP",
            gc: Some("Trinity River Builders"),
            pm: "jordan",
            first: 170,
            retainage_bp: 1000,
            ..JobSpec::BASE
        },
    );
    let apps = b.progress(commons, 165, [18_750_00, 34_200_00, 41_500_00, 38_900_00, 29_300_00, 17_650_00]);
    b.pay_each(&apps, 60, Ach);

    // Hill Country Construction (San Antonio): public library; pay app #2 stuck on a lien waiver.
    let hill = b.customer(CustomerSpec {
        id: "C016",
        name: "Hill Country Construction",
        kind: Gc,
        terms: 45,
        pm: "sam",
        email: "ap@hillcountryconstruction.example",
        phone: "(210) 555-0138",
    });
    let library = b.job(
        hill,
        JobSpec {
            id: "J021",
            name: "Travis County Branch Library",
            city: "Austin",
            county: "Travis",
            state: "TX",
            project_type: Public,
            owner: "Travis County",
            gc: Some("Hill Country Construction"),
            pm: "sam",
            first: 212,
            retainage_bp: 500,
            ..JobSpec::BASE
        },
    );
    // Pay app #2 (175 days ago) is numbered 1042, the invoice the demo suggests opening; a test checks
    // it stays open and past due if billings are added or moved.
    let apps = b.progress(library, 205, [21_900_00, 36_400_00, 43_800_00, 47_200_00, 39_650_00, 30_100_00, 14_750_00]);
    b.pay_net(apps[0], 58, Check);
    b.pay_each(&apps[2..], 58, Check);
    b.note(
        hill,
        "call",
        "sam",
        95,
        "County won't release pay app #2 without our conditional lien waiver for it. Sent it to Hill Country today.",
    );
    b.note(hill, "email", "sam", 10, "Pay app #2 still stuck: the county says it never got the waiver. Re-sent it to Hill Country and copied the county's project manager.");

    // Mission Bay Contractors (San Francisco): 60-day terms, pays on day 62.
    let mission = b.customer(CustomerSpec {
        id: "C017",
        name: "Mission Bay Contractors",
        kind: Gc,
        terms: 60,
        pm: "lee",
        email: "ap@missionbaycontractors.example",
        phone: "(415) 555-0152",
    });
    let biotech = b.job(
        mission,
        JobSpec {
            id: "J022",
            name: "Mission Bay Biotech Campus Bldg C",
            city: "San Francisco",
            county: "San Francisco",
            state: "CA",
            owner: "Mission Bay Biotech Campus LLC",
            gc: Some("Mission Bay Contractors"),
            pm: "lee",
            first: 140,
            retainage_bp: 500,
            ..JobSpec::BASE
        },
    );
    let apps = b.progress(biotech, 135, [28_800_00, 46_350_00, 52_700_00, 44_100_00, 31_250_00]);
    b.pay_each(&apps, 62, Wire);

    // Everglades Civil Inc (Miami): public fire station, slow county money.
    let everglades = b.customer(CustomerSpec {
        id: "C018",
        name: "Everglades Civil Inc",
        kind: Gc,
        terms: 45,
        pm: "dana",
        email: "ap@evergladescivil.example",
        phone: "(305) 555-0129",
    });
    let station = b.job(
        everglades,
        JobSpec {
            id: "J023",
            name: "Miami-Dade Fire Station 14",
            city: "Miami",
            county: "Miami-Dade",
            state: "FL",
            project_type: Public,
            owner: "Miami-Dade County",
            gc: Some("Everglades Civil Inc"),
            pm: "dana",
            first: 160,
            retainage_bp: 500,
            ..JobSpec::BASE
        },
    );
    let apps = b.progress(station, 155, [17_400_00, 29_850_00, 36_200_00, 33_100_00, 24_750_00]);
    b.pay_each(&apps, 70, Check);

    // Keystone Building Co (Austin): one job, all paid, no longer a customer.
    let keystone = b.customer(CustomerSpec {
        id: "C019",
        name: "Keystone Building Co",
        kind: Gc,
        terms: 30,
        pm: "jordan",
        email: "office@keystonebuilding.example",
        phone: "(512) 555-0194",
    });
    let domain = b.job(
        keystone,
        JobSpec {
            id: "J024",
            name: "Domain Northside Retail Shell",
            city: "Austin",
            county: "Travis",
            state: "TX",
            owner: "Domain Northside Retail LLC",
            gc: Some("Keystone Building Co"),
            pm: "jordan",
            first: 300,
            last: Some(215),
            retainage_bp: 1000,
            ..JobSpec::BASE
        },
    );
    let (apps, kept) = b.progress_net(domain, 292, [29_600_00, 44_300_00, 36_800_00]);
    b.pay_each(&apps, 30, Check);
    let done = b.invoice(domain, Completion, 215, 8_900_00, "Final billing - Domain Northside Retail Shell");
    b.pay_net(done, 30, Check);
    let held = b.invoice(domain, Retainage, 190, kept, "Retainage release - Domain Northside (10% of pay apps #1-#3)");
    b.pay_net(held, 30, Check);
    b.inactive(keystone);
}

fn specialty_contractors(b: &mut Builder) {
    // Seminole Mechanical Contractors: another mechanical sub; we fabricate and deliver risers.
    let seminole = b.customer(CustomerSpec {
        id: "C020",
        name: "Seminole Mechanical Contractors",
        kind: Other,
        terms: 30,
        pm: "dana",
        email: "ap@seminolemech.example",
        phone: "(352) 555-0116",
    });
    let ocala = b.job(
        seminole,
        JobSpec {
            id: "J025",
            name: "Ocala Senior Living - Prefab Risers",
            city: "Ocala",
            county: "Marion",
            state: "FL",
            role: OurRole::Supplier,
            owner: "Ocala Senior Living LLC",
            gc: Some("Brightwater Construction"),
            pm: "dana",
            first: 110,
            last: Some(50),
            noc: noc(125),
            ..JobSpec::BASE
        },
    );
    let deliveries = [
        b.invoice(ocala, Progress, 105, 12_480_00, "Delivery 1: riser assemblies, floors 1-2"),
        b.invoice(ocala, Progress, 80, 9_960_00, "Delivery 2: riser assemblies, floors 3-4"),
        b.invoice(ocala, Progress, 50, 7_215_40, "Delivery 3: riser assemblies, floor 5 and roof"),
    ];
    b.pay_each(&deliveries[..2], 32, Check);

    // Bluebonnet Mechanical Services: hires us for the plumbing under their HVAC subcontract.
    let bluebonnet = b.customer(CustomerSpec {
        id: "C021",
        name: "Bluebonnet Mechanical Services",
        kind: Other,
        terms: 30,
        pm: "sam",
        email: "billing@bluebonnetmech.example",
        phone: "(512) 555-0175",
    });
    let round_rock = b.job(
        bluebonnet,
        JobSpec {
            id: "J026",
            name: "Round Rock Medical Pavilion",
            city: "Round Rock",
            county: "Williamson",
            state: "TX",
            role: OurRole::SubSub,
            owner: "Round Rock Medical Pavilion LLC",
            gc: Some("Hensley Turner Builders"),
            pm: "sam",
            first: 95,
            retainage_bp: 1000,
            ..JobSpec::BASE
        },
    );
    let apps = b.progress(round_rock, 90, [14_300_00, 22_650_00, 18_900_00]);
    b.pay_each(&apps, 40, Ach);
    let pflugerville = b.job(
        bluebonnet,
        JobSpec {
            id: "J027",
            name: "Pflugerville Flex Office",
            city: "Pflugerville",
            county: "Travis",
            state: "TX",
            role: OurRole::SubSub,
            owner: "Pecan Street Flex LLC",
            gc: Some("Hensley Turner Builders"),
            pm: "sam",
            first: 125,
            last: Some(88),
            retainage_bp: 1000,
            ..JobSpec::BASE
        },
    );
    let app = b.invoice(pflugerville, Progress, 115, 9_800_00, "Pay app #1 - Pflugerville Flex Office");
    b.pay_net(app, 35, Ach);
    let done = b.invoice(pflugerville, Completion, 85, 4_350_00, "Final billing - Pflugerville Flex Office");
    b.pay_net(done, 35, Ach);
    b.release_retainage(&[app], 45, Ach);
}

fn owners(b: &mut Builder) {
    // Gulf Breeze Condos: chiller replacement (done, retainage billed and paid) and a service contract.
    let breeze = b.customer(CustomerSpec {
        id: "C004",
        name: "Gulf Breeze Condos",
        kind: Owner,
        terms: 30,
        pm: "maria",
        email: "manager@gulfbreezecondos.example",
        phone: "(850) 555-0163",
    });
    let chiller = b.job(
        breeze,
        JobSpec {
            id: "J006",
            name: "Gulf Breeze Condos - Chiller Replacement",
            city: "Gulf Breeze",
            county: "Santa Rosa",
            state: "FL",
            role: OurRole::Gc,
            owner: "Gulf Breeze Condominium Association",
            pm: "maria",
            first: 215,
            last: Some(150),
            noc: noc(222),
            retainage_bp: 1000,
            ..JobSpec::BASE
        },
    );
    let (apps, kept) = b.progress_net(chiller, 205, [48_000_00, 62_500_00]);
    b.pay_each(&apps, 30, Check);
    let done = b.invoice(chiller, Completion, 150, 31_500_00, "Final billing - chiller replacement");
    b.pay_net(done, 30, Check);
    let held = b.invoice(chiller, Retainage, 118, kept, "Retainage release - chiller replacement");
    b.pay_net(held, 38, Check);
    let service = b.job(
        breeze,
        JobSpec {
            id: "J007",
            name: "Gulf Breeze Condos - Cooling Tower Service",
            city: "Gulf Breeze",
            county: "Santa Rosa",
            state: "FL",
            role: OurRole::Gc,
            owner: "Gulf Breeze Condominium Association",
            pm: "maria",
            first: 140,
            ..JobSpec::BASE
        },
    );
    let visits = [
        b.invoice(service, Service, 135, 2_850_00, "Quarterly cooling tower service"),
        b.invoice(service, Service, 45, 2_850_00, "Quarterly cooling tower service"),
    ];
    // The last visit is still open.
    b.pay_net(visits[0], 35, Check);

    // Harborview Owners Assn: a big repipe billed straight to the association; slow board approvals.
    let harborview = b.customer(CustomerSpec {
        id: "C005",
        name: "Harborview Owners Assn",
        kind: Owner,
        terms: 30,
        pm: "lee",
        email: "board@harborviewowners.example",
        phone: "(727) 555-0191",
    });
    let boiler = b.job(
        harborview,
        JobSpec {
            id: "J009",
            name: "Harborview Towers - Boiler Room Upgrade",
            city: "Clearwater",
            county: "Pinellas",
            state: "FL",
            role: OurRole::Gc,
            owner: "Harborview Owners Association, Inc.",
            pm: "lee",
            first: 275,
            last: Some(205),
            noc: noc(282),
            retainage_bp: 1000,
            ..JobSpec::BASE
        },
    );
    let apps = b.progress(boiler, 268, [22_400_00, 31_750_00, 18_900_00]);
    b.pay_each(&apps, 33, Check);
    b.release_retainage(&apps, 170, Check);
    let risers = b.job(
        harborview,
        JobSpec {
            id: "J008",
            name: "Harborview Towers - Riser Replacement",
            city: "Clearwater",
            county: "Pinellas",
            state: "FL",
            role: OurRole::Gc,
            owner: "Harborview Owners Association, Inc.",
            pm: "lee",
            first: 78,
            noc: noc(85),
            retainage_bp: 1000,
            ..JobSpec::BASE
        },
    );
    let deposit = b.invoice(risers, Deposit, 76, 10_000_00, "Deposit - riser replacement");
    b.pay_net(deposit, 16, Check);
    b.progress(risers, 65, [46_850_00, 44_275_50, 23_960_00]);
    b.note(
        harborview,
        "meeting",
        "lee",
        30,
        "Met the board treasurer on site. Pay app #1 goes to the board for approval at this month's meeting.",
    );
    b.note(
        harborview,
        "call",
        "sam",
        12,
        "Treasurer (Paul Greer) promised $40,000 by next week, the rest after the board meets.",
    );
    b.note(
        harborview,
        "email",
        "lee",
        3,
        "Board approved pay app #1 but the treasurer is traveling. Asked for a firm payment date.",
    );
    b.note(
        harborview,
        "call",
        "sam",
        1,
        "The $40,000 was due today and hasn't come. Left a voicemail for the treasurer and emailed the manager.",
    );
    b.promise(harborview, 40_000_00, -1, "broken", "sam", 12);

    // Lakeside Plaza Partners LP (Houston): HVAC service agreement.
    let lakeside = b.customer(CustomerSpec {
        id: "C022",
        name: "Lakeside Plaza Partners LP",
        kind: Owner,
        terms: 30,
        pm: "jordan",
        email: "ap@lakesideplaza.example",
        phone: "(281) 555-0148",
    });
    let plaza = b.job(
        lakeside,
        JobSpec {
            id: "J028",
            name: "Lakeside Plaza - HVAC Service Agreement",
            city: "Houston",
            county: "Harris",
            state: "TX",
            role: OurRole::Gc,
            owner: "Lakeside Plaza Partners LP",
            pm: "jordan",
            first: 250,
            ..JobSpec::BASE
        },
    );
    let visits = [
        b.invoice(plaza, Service, 245, 3_600_00, "Quarterly HVAC maintenance"),
        b.invoice(plaza, Service, 155, 3_600_00, "Quarterly HVAC maintenance"),
        b.invoice(plaza, Service, 65, 3_600_00, "Quarterly HVAC maintenance"),
        b.invoice(plaza, Service, 20, 1_845_60, "Repair: replace condenser fan motor, RTU-2"),
    ];
    b.pay_each(&visits, 28, Ach);
    // Money with no remittance advice: unapplied until someone says what it is for.
    b.pay(lakeside, 6, Ach, &[], 2_000_00);
    b.note(lakeside, "email", "jordan", 5, "Asked their AP what the $2,000 ACH is for; no remittance came with it.");

    // Sierra Vista Apartments LLC (Fresno): boiler replacement, done.
    let sierra = b.customer(CustomerSpec {
        id: "C023",
        name: "Sierra Vista Apartments LLC",
        kind: Owner,
        terms: 30,
        pm: "maria",
        email: "office@sierravistaapts.example",
        phone: "(559) 555-0131",
    });
    let boilers = b.job(
        sierra,
        JobSpec {
            id: "J029",
            name: "Sierra Vista Apartments - Boiler Replacement",
            city: "Fresno",
            county: "Fresno",
            state: "CA",
            role: OurRole::Gc,
            owner: "Sierra Vista Apartments LLC",
            pm: "maria",
            first: 100,
            last: Some(70),
            retainage_bp: 500,
            ..JobSpec::BASE
        },
    );
    let deposit = b.invoice(boilers, Deposit, 100, 8_000_00, "Deposit - boiler replacement");
    b.pay_net(deposit, 5, Check);
    let done = b.invoice(boilers, Completion, 68, 23_450_00, "Final billing - boiler replacement");
    b.pay_net(done, 38, Check);
    b.invoice(boilers, TouchUp, 40, 640_00, "Add insulation on exposed flue connector");

    // Cypress Point HOA (Naples): pool heaters.
    let cypress = b.customer(CustomerSpec {
        id: "C024",
        name: "Cypress Point HOA",
        kind: Owner,
        terms: 30,
        pm: "lee",
        email: "board@cypresspointhoa.example",
        phone: "(239) 555-0187",
    });
    let pool = b.job(
        cypress,
        JobSpec {
            id: "J030",
            name: "Cypress Point - Clubhouse Pool Heaters",
            city: "Naples",
            county: "Collier",
            state: "FL",
            role: OurRole::Gc,
            owner: "Cypress Point Homeowners Association",
            pm: "lee",
            first: 60,
            last: Some(35),
            retainage_bp: 500,
            ..JobSpec::BASE
        },
    );
    let deposit = b.invoice(pool, Deposit, 62, 4_200_00, "Deposit - pool heaters");
    b.pay_net(deposit, 4, Check);
    b.invoice(pool, Completion, 33, 9_650_00, "Final billing - pool heaters");

    // Tampa Bay Medical Properties: chiller service, 45-day terms.
    let tbmp = b.customer(CustomerSpec {
        id: "C025",
        name: "Tampa Bay Medical Properties",
        kind: Owner,
        terms: 45,
        pm: "dana",
        email: "ap@tbmedprops.example",
        phone: "(813) 555-0122",
    });
    let building_b = b.job(
        tbmp,
        JobSpec {
            id: "J031",
            name: "TBMP Building B - Chiller Service",
            city: "Tampa",
            county: "Hillsborough",
            state: "FL",
            role: OurRole::Gc,
            owner: "Tampa Bay Medical Properties",
            pm: "dana",
            first: 205,
            ..JobSpec::BASE
        },
    );
    let visits = [
        b.invoice(building_b, Service, 200, 4_275_00, "Chiller service and tube cleaning"),
        b.invoice(building_b, Service, 110, 6_980_00, "Replace chilled-water pump seal and bearings"),
        b.invoice(building_b, Service, 20, 3_150_00, "Chiller service"),
    ];
    b.pay_each(&visits, 40, Ach);

    // Desert Palms Property Management (Palm Springs): rooftop unit replacements.
    let desert = b.customer(CustomerSpec {
        id: "C026",
        name: "Desert Palms Property Management",
        kind: Owner,
        terms: 30,
        pm: "maria",
        email: "ap@desertpalmspm.example",
        phone: "(760) 555-0144",
    });
    let villas = b.job(
        desert,
        JobSpec {
            id: "J032",
            name: "Desert Palms Villas - Rooftop Unit Replacements",
            city: "Palm Springs",
            county: "Riverside",
            state: "CA",
            role: OurRole::Gc,
            owner: "Desert Palms Villas LLC",
            pm: "maria",
            first: 85,
            retainage_bp: 500,
            ..JobSpec::BASE
        },
    );
    let apps = b.progress(villas, 80, [15_600_00, 19_850_00, 11_200_00]);
    b.pay_each(&apps, 30, Ach);
}

fn homeowners(b: &mut Builder) {
    // Old Oak Homes: a whole-house repipe, paid a deposit and part of the final, then went quiet.
    let old_oak = b.customer(CustomerSpec {
        id: "C006",
        name: "Old Oak Homes",
        kind: Homeowner,
        terms: 15,
        pm: "maria",
        email: "oldoakhomes@mail.example",
        phone: "(210) 555-0168",
    });
    let repipe = b.job(
        old_oak,
        JobSpec {
            id: "J010",
            name: "Old Oak Homes - Whole-House Repipe",
            city: "San Antonio",
            county: "Bexar",
            state: "TX",
            project_type: Residential,
            role: OurRole::Gc,
            owner: "Old Oak Homes",
            pm: "maria",
            first: 136,
            last: Some(117),
            ..JobSpec::BASE
        },
    );
    let deposit = b.invoice(repipe, Deposit, 140, 2_500_00, "Deposit - whole-house repipe");
    b.pay_net(deposit, 1, Card);
    let done = b.invoice(repipe, Completion, 115, 5_900_00, "Final billing - whole-house repipe");
    b.pay(old_oak, 96, Check, &[(done, 2_500_00)], 0);
    b.note(old_oak, "call", "maria", 60, "Homeowner says upstairs pressure is low and won't pay the rest until it's fixed. Sent a tech: PRV set at 45 psi, adjusted to 60.");
    b.note(
        old_oak,
        "letter",
        "sam",
        21,
        "Mailed a final notice by certified mail with our lien rights and the deadline.",
    );

    // Linda Nguyen (San Jose): tankless water heater.
    let nguyen = b.customer(CustomerSpec {
        id: "C027",
        name: "Linda Nguyen",
        kind: Homeowner,
        terms: 15,
        pm: "maria",
        email: "linda.nguyen@mail.example",
        phone: "(408) 555-0153",
    });
    let tankless = b.job(
        nguyen,
        JobSpec {
            id: "J033",
            name: "Nguyen Residence - Tankless Water Heater",
            city: "San Jose",
            county: "Santa Clara",
            state: "CA",
            project_type: Residential,
            role: OurRole::Gc,
            owner: "Linda Nguyen",
            pm: "maria",
            first: 48,
            last: Some(40),
            ..JobSpec::BASE
        },
    );
    let deposit = b.invoice(tankless, Deposit, 50, 1_500_00, "Deposit - tankless water heater");
    b.pay_net(deposit, 1, Card);
    b.invoice(tankless, Completion, 38, 4_875_00, "Final billing - tankless water heater and gas line");

    // Robert Whitfield (Plano): HVAC changeout, paid; a small touch-up still open.
    let whitfield = b.customer(CustomerSpec {
        id: "C028",
        name: "Robert Whitfield",
        kind: Homeowner,
        terms: 15,
        pm: "jordan",
        email: "rwhitfield@mail.example",
        phone: "(972) 555-0177",
    });
    let changeout = b.job(
        whitfield,
        JobSpec {
            id: "J034",
            name: "Whitfield Residence - HVAC Changeout",
            city: "Plano",
            county: "Collin",
            state: "TX",
            project_type: Residential,
            role: OurRole::Gc,
            owner: "Robert Whitfield",
            pm: "jordan",
            first: 30,
            last: Some(26),
            ..JobSpec::BASE
        },
    );
    let done = b.invoice(changeout, Completion, 26, 11_480_00, "4-ton heat pump and air handler changeout");
    b.pay_net(done, 16, Card);
    b.invoice(changeout, TouchUp, 8, 285_00, "Relocate thermostat to hallway");

    // Karen & Steve Patel (St. Petersburg): slab leak.
    let patel = b.customer(CustomerSpec {
        id: "C029",
        name: "Karen & Steve Patel",
        kind: Homeowner,
        terms: 15,
        pm: "lee",
        email: "kpatel@mail.example",
        phone: "(727) 555-0105",
    });
    let slab = b.job(
        patel,
        JobSpec {
            id: "J035",
            name: "Patel Residence - Slab Leak Reroute",
            city: "St. Petersburg",
            county: "Pinellas",
            state: "FL",
            project_type: Residential,
            role: OurRole::Gc,
            owner: "Karen & Steve Patel",
            pm: "lee",
            first: 14,
            last: Some(12),
            ..JobSpec::BASE
        },
    );
    b.invoice(slab, Service, 12, 3_260_00, "Slab leak detection and overhead reroute, hot side");

    // Jim Alvarez (Tampa): one water heater, paid long ago.
    let alvarez = b.customer(CustomerSpec {
        id: "C030",
        name: "Jim Alvarez",
        kind: Homeowner,
        terms: 15,
        pm: "dana",
        email: "jim.alvarez@mail.example",
        phone: "(813) 555-0196",
    });
    let heater = b.job(
        alvarez,
        JobSpec {
            id: "J036",
            name: "Alvarez Residence - Water Heater",
            city: "Tampa",
            county: "Hillsborough",
            state: "FL",
            project_type: Residential,
            role: OurRole::Gc,
            owner: "Jim Alvarez",
            pm: "dana",
            first: 161,
            last: Some(160),
            ..JobSpec::BASE
        },
    );
    let heater_bill = b.invoice(heater, Service, 160, 2_140_00, "50-gallon water heater replacement");
    b.pay_net(heater_bill, 10, Check);
}
