//! The shard map: which shard matches which symbols. A JSON file:
//! `{"shards": {"s0": ["ACME/USD"], "s1": ["INIT/USD"]}}`. Each shard is one
//! Broker with its own instruments and its own ledger.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::error::ClusterError;
use crate::wire::ShardName;

#[derive(Clone, Debug, Default, Deserialize)]
pub struct ShardMap {
    pub shards: BTreeMap<ShardName, Vec<String>>,
}

impl ShardMap {
    /// # Errors
    /// `Config` for an unreadable file, bad JSON, a bad shard name or a symbol on two shards.
    pub fn load(path: &Path) -> Result<ShardMap, ClusterError> {
        let text =
            std::fs::read_to_string(path).map_err(|e| ClusterError::Config(format!("{}: {e}", path.display())))?;
        ShardMap::parse(&text)
    }

    /// # Errors
    /// As [`load`](Self::load).
    pub fn parse(text: &str) -> Result<ShardMap, ClusterError> {
        let map: ShardMap = serde_json::from_str(text).map_err(|e| ClusterError::Config(e.to_string()))?;
        let mut seen = BTreeMap::new();
        for (shard, symbols) in &map.shards {
            for s in symbols {
                if let Some(other) = seen.insert(s.clone(), shard.clone()) {
                    return Err(ClusterError::Config(format!("symbol {s:?} is on shards {other} and {shard}")));
                }
            }
        }
        Ok(map)
    }

    /// The shard that matches `symbol`.
    ///
    /// # Errors
    /// `UnknownSymbol`.
    pub fn shard_of(&self, symbol: &str) -> Result<&ShardName, ClusterError> {
        self.shards
            .iter()
            .find(|(_, symbols)| symbols.iter().any(|s| s == symbol))
            .map(|(shard, _)| shard)
            .ok_or_else(|| ClusterError::UnknownSymbol { symbol: symbol.to_owned() })
    }

    /// `name` if the map has it.
    ///
    /// # Errors
    /// `InvalidShard` or `UnknownShard`.
    pub fn shard(&self, name: &str) -> Result<&ShardName, ClusterError> {
        let name = ShardName::new(name)?;
        self.shards.keys().find(|s| **s == name).ok_or(ClusterError::UnknownShard { name: name.to_string() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_symbol_routes_to_its_shard_and_may_not_be_on_two() {
        let map = ShardMap::parse(r#"{"shards": {"s0": ["ACME/USD"], "s1": ["INIT/USD"]}}"#).unwrap();
        assert_eq!(map.shard_of("INIT/USD").unwrap().as_str(), "s1");
        assert_eq!(map.shard_of("NOPE").unwrap_err().code(), "unknown_symbol");
        assert_eq!(map.shard("s9").unwrap_err().code(), "unknown_shard");
        let twice = ShardMap::parse(r#"{"shards": {"s0": ["A"], "s1": ["A"]}}"#).unwrap_err();
        assert_eq!(twice.code(), "config");
        assert_eq!(ShardMap::parse(r#"{"shards": {"a.b": []}}"#).unwrap_err().code(), "config");
    }
}
