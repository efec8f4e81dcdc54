"""BrokerX Engine for Python: deterministic order books and matching.

A thin wrapper over the Rust core (``brokerx._native``): the order-book
:class:`Engine` and the double-entry wallet :class:`Ledger`: every call converts its
arguments, runs the engine and converts the result back. Prices and quantities
are :class:`decimal.Decimal` (or ``str``) in and ``Decimal`` out; ``float`` is
refused with :class:`TypeError`. Timestamps are ``int`` nanoseconds since the
Unix epoch or timezone-aware :class:`datetime.datetime`.

Errors are exceptions under :class:`BrokerXError`, each with a stable ``.code``;
refusals that are part of trading (post-only would cross, instrument halted)
are :class:`Rejected` events, exactly as in Rust.
"""

from __future__ import annotations

from typing import Union

from ._native import (
    Balance,
    Hold,
    InvalidAccount,
    InvalidAmount,
    Ledger,
    Transfer,
    TransferRefused,
    TransferResult,
    Accepted,
    Amend,
    Amended,
    BboChanged,
    BrokerXError,
    Cancel,
    Cancelled,
    CapacityReached,
    DuplicateClientOrderId,
    Engine,
    EventBatch,
    Expired,
    ExpireDue,
    IdempotencyConflict,
    InstrumentRegistered,
    InsufficientFunds,
    Instrument,
    InvalidDecimal,
    InvalidInstrument,
    InvalidOrder,
    InvariantViolation,
    Level,
    LevelChanged,
    MassCancel,
    Order,
    Place,
    Reduced,
    RegisterInstrument,
    Rejected,
    SetTradingStatus,
    SnapshotError,
    StaleVersion,
    TimeWentBackwards,
    Trade,
    TradingStatusChanged,
    UnknownInstrument,
    UnknownOrder,
    __version__,
    command_from_dict,
)

#: Any event the engine emits (usable with ``isinstance``).
Event = Union[
    InstrumentRegistered,
    TradingStatusChanged,
    Accepted,
    Rejected,
    Trade,
    Cancelled,
    Reduced,
    Amended,
    Expired,
    LevelChanged,
    BboChanged,
]

#: Any command object accepted by :meth:`Engine.submit` / :meth:`Engine.submit_many`.
Command = Union[
    RegisterInstrument,
    SetTradingStatus,
    Place,
    Cancel,
    MassCancel,
    Amend,
    ExpireDue,
]

__all__ = [
    "Balance",
    "Hold",
    "InvalidAccount",
    "InvalidAmount",
    "Ledger",
    "Transfer",
    "TransferRefused",
    "TransferResult",
    "Accepted",
    "Amend",
    "Amended",
    "BboChanged",
    "BrokerXError",
    "Cancel",
    "Cancelled",
    "CapacityReached",
    "Command",
    "DuplicateClientOrderId",
    "Engine",
    "Event",
    "EventBatch",
    "Expired",
    "ExpireDue",
    "IdempotencyConflict",
    "Instrument",
    "InstrumentRegistered",
    "InsufficientFunds",
    "InvalidDecimal",
    "InvalidInstrument",
    "InvalidOrder",
    "InvariantViolation",
    "Level",
    "LevelChanged",
    "MassCancel",
    "Order",
    "Place",
    "Reduced",
    "RegisterInstrument",
    "Rejected",
    "SetTradingStatus",
    "SnapshotError",
    "StaleVersion",
    "TimeWentBackwards",
    "Trade",
    "TradingStatusChanged",
    "UnknownInstrument",
    "UnknownOrder",
    "__version__",
    "command_from_dict",
]
