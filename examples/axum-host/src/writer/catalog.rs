//! The catalog: markets and assets as the request handlers see them, for
//! turning symbols into instrument ids and decimals into ticks, lots and minor
//! units before a command is sent. Published by the writer (an `Arc` swapped
//! under a lock that only the writer's configuration commands take for writing).

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use brokerx_engine::broker::{Broker, InstrumentRisk};
use brokerx_engine::{AssetId, AssetSpec, Instrument, InstrumentId};

#[derive(Clone, Debug)]
pub struct MarketInfo {
    pub instrument: Instrument,
    pub base: AssetSpec,
    pub quote: AssetSpec,
    pub risk: Option<InstrumentRisk>,
}

#[derive(Clone, Debug, Default)]
pub struct Catalog {
    pub markets: Vec<MarketInfo>,
    pub assets: BTreeMap<AssetId, AssetSpec>,
}

impl Catalog {
    /// The catalog of `broker`, given the assets the host has seen created.
    pub fn of(broker: &Broker, assets: &[AssetId]) -> Catalog {
        let assets: BTreeMap<AssetId, AssetSpec> =
            assets.iter().filter_map(|a| broker.asset(*a).map(|s| (*a, s.clone()))).collect();
        let markets = broker
            .engine()
            .instruments()
            .filter_map(|i| {
                let (base, quote) = broker.market_assets(i.id)?;
                Some(MarketInfo {
                    instrument: i.clone(),
                    base: broker.asset(base)?.clone(),
                    quote: broker.asset(quote)?.clone(),
                    risk: None,
                })
            })
            .collect();
        Catalog { markets, assets }
    }

    pub fn market(&self, symbol: &str) -> Option<&MarketInfo> {
        self.markets.iter().find(|m| m.instrument.spec.symbol == symbol)
    }

    pub fn market_by_id(&self, id: InstrumentId) -> Option<&MarketInfo> {
        self.markets.get(id.0 as usize).filter(|m| m.instrument.id == id)
    }

    pub fn asset_by_code(&self, code: &str) -> Option<&AssetSpec> {
        self.assets.values().find(|a| a.code == code)
    }
}

/// Where the writer publishes the catalog and handlers read it.
#[derive(Clone, Debug, Default)]
pub struct SharedCatalog(Arc<RwLock<Arc<Catalog>>>);

impl SharedCatalog {
    pub fn get(&self) -> Arc<Catalog> {
        match self.0.read() {
            Ok(c) => Arc::clone(&c),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    pub fn set(&self, catalog: Catalog) {
        let new = Arc::new(catalog);
        match self.0.write() {
            Ok(mut c) => *c = new,
            Err(poisoned) => *poisoned.into_inner() = new,
        }
    }
}
