//! Stock-keeping on the same ledger: units of products per store,
//! purchases, click-and-collect reservations (holds), replenishment from a
//! central warehouse, and a sales report per store — nothing here knows
//! about money or orders.
//!
//! Run: `cargo run -p brokerx-ledger --example store_inventory`
//!
//! Model: each product is an asset with scale 0 (whole units). Owners are
//! places: the supplier (a system account that may go negative — stock
//! comes from outside), the central warehouse, the stores, and "customers"
//! (where sold units go). A store's shelf capacity is its max balance.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use brokerx_ledger::{
    AccountKey, AccountSpec, Amount, AssetId, AssetSpec, JournalEvent, Ledger, LedgerConfig, LedgerError, Timestamp,
    Transfer, TransferCode, TransferId, TransferStatus,
};

const SUPPLIER: u64 = 1;
const WAREHOUSE: u64 = 2;
const CUSTOMERS: u64 = 99;
const STORES: [(u64, &str); 2] = [(10, "North"), (11, "South")];
const PRODUCTS: [(u32, &str); 3] = [(1, "SKU-TEA"), (2, "SKU-MUG"), (3, "SKU-KETTLE")];
const SHELF_CAPACITY: u128 = 40;
const MINUTE_NS: u64 = 60_000_000_000;
/// The shop's own transfer codes (the ledger names only generic ones).
/// Stock moved from the central warehouse to a store.
const REPLENISHMENT: TransferCode = TransferCode(6);
/// Stock sold to a customer.
const SALE: TransferCode = TransferCode(7);

fn at(place: u64, product: u32) -> AccountKey {
    AccountKey::new(place, product)
}

fn units(n: u128) -> Amount {
    Amount::from_minor(n)
}

struct Shop {
    ledger: Ledger,
    next_id: u128,
    out: Vec<brokerx_ledger::TransferResult>,
}

impl Shop {
    fn id(&mut self) -> TransferId {
        self.next_id += 1;
        TransferId(self.next_id)
    }

    fn submit(&mut self, now: u64, batch: &[Transfer]) -> Vec<TransferStatus> {
        self.ledger.submit(Timestamp(now), batch, &mut self.out).unwrap();
        self.ledger.check_invariants().unwrap();
        self.out.iter().map(|r| r.status).collect()
    }

    fn stock(&self, place: u64, product: u32) -> i128 {
        self.ledger.balance(at(place, product)).unwrap().available()
    }
}

fn main() -> Result<(), LedgerError> {
    let mut shop = Shop { ledger: Ledger::new(LedgerConfig::default()), next_id: 0, out: Vec::new() };
    let t0 = Timestamp(0);
    for (id, code) in PRODUCTS {
        shop.ledger.create_asset(t0, AssetSpec { id: AssetId(id), code: code.into(), scale: 0 })?;
        shop.ledger.create_account(t0, AccountSpec::system(at(SUPPLIER, id)))?;
        shop.ledger.create_account(t0, AccountSpec::system(at(CUSTOMERS, id)))?;
        shop.ledger.create_account(t0, AccountSpec::wallet(at(WAREHOUSE, id)))?;
        for (store, _) in STORES {
            shop.ledger
                .create_account(t0, AccountSpec::wallet(at(store, id)).with_max_balance(units(SHELF_CAPACITY)))?;
        }
    }

    // 1. Goods received at the central warehouse.
    let mut batch = Vec::new();
    for (product, qty) in [(1, 200), (2, 120), (3, 30)] {
        let id = shop.id();
        batch.push(Transfer::single(
            id,
            at(SUPPLIER, product),
            at(WAREHOUSE, product),
            units(qty),
            TransferCode::DEPOSIT,
        ));
    }
    println!("receive at warehouse: {:?}", shop.submit(1, &batch));

    // 2. Replenish both stores; each store's delivery is all-or-nothing.
    for (store, name) in STORES {
        let mut delivery = Vec::new();
        for (product, qty) in [(1, 30), (2, 20), (3, 8)] {
            let id = shop.id();
            delivery.push(
                Transfer::single(id, at(WAREHOUSE, product), at(store, product), units(qty), REPLENISHMENT).linked(),
            );
        }
        if let Some(last) = delivery.last_mut() {
            *last = Transfer { flags: last.flags.without_linked(), ..*last };
        }
        println!("replenish {name}: {:?}", shop.submit(2, &delivery));
    }

    // An over-delivery that would exceed shelf capacity fails as a whole.
    let too_much = [
        Transfer::single(shop.id(), at(WAREHOUSE, 1), at(10, 1), units(5), REPLENISHMENT).linked(),
        Transfer::single(shop.id(), at(WAREHOUSE, 2), at(10, 2), units(25), REPLENISHMENT),
    ];
    println!("over-delivery to North (mugs over capacity): {:?}", shop.submit(3, &too_much));

    // 3. Purchases at the till (single-phase sales).
    let sales: [(u64, u32, u128); 6] = [
        (10, 1, 3),
        (10, 2, 2),
        (11, 1, 7),
        (10, 3, 1),
        (11, 3, 9), // only 8 on the shelf: refused, nothing changes
        (11, 2, 4),
    ];
    for (store, product, qty) in sales {
        let id = shop.id();
        let sale = Transfer::single(id, at(store, product), at(CUSTOMERS, product), units(qty), SALE);
        let status = shop.submit(4, &[sale])[0];
        let note = if status == TransferStatus::InsufficientFunds { " (out of stock)" } else { "" };
        println!("sale store {store} product {product} x{qty}: {status}{note}");
    }

    // 4. Click-and-collect: reserve 2 kettles at South for 30 minutes.
    let reservation = shop.id();
    let hold = Transfer::pending(reservation, at(11, 3), at(CUSTOMERS, 3), units(2), SALE, 30 * MINUTE_NS);
    println!("reserve 2 kettles at South: {:?}", shop.submit(5, &[hold]));
    println!("South kettles available while reserved: {}", shop.stock(11, 3));
    // The customer collects only one: post 1, the other goes back on the shelf.
    let pickup = shop.id();
    let collect = Transfer::post(pickup, reservation, units(1), SALE);
    println!("collect 1 of 2: {:?}", shop.submit(6, &[collect]));

    // Another reservation is never collected and expires.
    let lapsed = shop.id();
    let hold = Transfer::pending(lapsed, at(10, 2), at(CUSTOMERS, 2), units(3), SALE, 30 * MINUTE_NS);
    shop.submit(7, &[hold]);
    let mut expired = Vec::new();
    let deadline = shop.ledger.next_deadline().unwrap();
    shop.ledger.on_time(deadline, &mut expired)?;
    println!("expired reservations: {expired:?}");

    // 5. Report per store: units sold (posted SALE transfers out of the
    // store's account) and stock on hand, from the journal.
    println!();
    println!("{:<8} {:<12} {:>6} {:>9}", "store", "product", "sold", "on hand");
    for (store, name) in STORES {
        for (product, code) in PRODUCTS {
            let sold: u128 = shop
                .ledger
                .entries_of(at(store, product))
                .iter()
                .filter_map(|e| match &e.event {
                    JournalEvent::Transfer(r)
                        if r.transfer.code == SALE
                            && r.transfer.debit_account == at(store, product)
                            && !r.transfer.flags.contains(brokerx_ledger::TransferFlags::PENDING) =>
                    {
                        Some(r.transfer.amount.minor())
                    }
                    _ => None,
                })
                .sum();
            println!("{:<8} {:<12} {:>6} {:>9}", name, code, sold, shop.stock(store, product));
        }
    }
    for (product, code) in PRODUCTS {
        println!("warehouse {code}: {} on hand", shop.stock(WAREHOUSE, product));
    }
    shop.ledger.check_invariants().unwrap();
    Ok(())
}
