//! brokerx-ledger: an idempotent double-entry wallet ledger for any asset.
