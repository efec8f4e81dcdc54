"""Type stubs for the PyO3 extension ``brokerx._native`` (checked by ``mypy.stubtest``)."""

import datetime
import uuid
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any, Literal, TypeAlias, final, overload

__version__: str
__all__ = [
    "BrokerXError",
    "InvalidOrder",
    "InvalidDecimal",
    "StaleVersion",
    "DuplicateClientOrderId",
    "UnknownOrder",
    "UnknownInstrument",
    "InvalidInstrument",
    "InvalidRisk",
    "TimeWentBackwards",
    "CapacityReached",
    "SnapshotError",
    "InvariantViolation",
    "InsufficientFunds",
    "IdempotencyConflict",
    "InvalidAmount",
    "InvalidAccount",
    "TransferRefused",
    "LimitExceeded",
    "SagaError",
    "Level",
    "InstrumentRegistered",
    "TradingStatusChanged",
    "Accepted",
    "Rejected",
    "Trade",
    "Cancelled",
    "Reduced",
    "Amended",
    "Expired",
    "StopAccepted",
    "Triggered",
    "TriggerLimitReached",
    "StopAmended",
    "Refreshed",
    "LevelChanged",
    "BboChanged",
    "Place",
    "Cancel",
    "Amend",
    "MassCancel",
    "SetTradingStatus",
    "RegisterInstrument",
    "ExpireDue",
    "Engine",
    "EventBatch",
    "Order",
    "Instrument",
    "Ledger",
    "Transfer",
    "TransferResult",
    "Balance",
    "Hold",
    "Broker",
    "InstrumentRisk",
    "Posting",
    "RiskRejected",
    "FundsMoved",
    "AssetCreated",
    "MarketRegistered",
    "InstrumentRiskChanged",
    "AccountLimitsChanged",
    "AccountEnabledChanged",
    "RestrictionChanged",
    "SettlementFailed",
    "SagaRegistry",
    "command_from_dict",
    "__version__",
    "EXTERNAL_OWNER",
    "FEES_OWNER",
    "ESCROW_OWNER",
    "RESERVED_OWNERS_FROM",
]

#: The Broker's reserved ledger owner ids: its own books, never a client.
EXTERNAL_OWNER: int
FEES_OWNER: int
ESCROW_OWNER: int
#: Client account ids at or above this are refused (`reserved_account`).
RESERVED_OWNERS_FROM: int

_DecimalLike: TypeAlias = Decimal | str | int
_Timestamp: TypeAlias = int | datetime.datetime
_InstrumentRef: TypeAlias = int | str
_SideName: TypeAlias = Literal["buy", "sell"]
_TimeInForceName: TypeAlias = Literal["gtc", "ioc", "fok", "gtd"]
_StpName: TypeAlias = Literal["none", "cancel_taker", "cancel_maker", "cancel_both", "decrement"]
_StatusName: TypeAlias = Literal["open", "halted", "closed"]

# ---- errors ---------------------------------------------------------------

class BrokerXError(Exception):
    code: str

class InvalidOrder(BrokerXError): ...
class InvalidDecimal(InvalidOrder): ...
class StaleVersion(InvalidOrder): ...
class DuplicateClientOrderId(InvalidOrder): ...
class UnknownOrder(BrokerXError): ...
class UnknownInstrument(BrokerXError): ...
class InvalidInstrument(BrokerXError): ...
class InvalidRisk(InvalidInstrument): ...
class TimeWentBackwards(BrokerXError): ...
class CapacityReached(BrokerXError): ...
class SnapshotError(BrokerXError): ...
class InvariantViolation(BrokerXError): ...
class InsufficientFunds(BrokerXError):
    #: For a refused Broker withdrawal: the journaled ``FundsMoved`` event and
    #: all events of the call (unset for other refusals).
    event: FundsMoved
    events: list[_BrokerEvent]
class IdempotencyConflict(BrokerXError): ...
class InvalidAmount(BrokerXError): ...
class InvalidAccount(BrokerXError): ...
class TransferRefused(BrokerXError):
    #: For a refused Broker deposit or withdrawal: the journaled ``FundsMoved``
    #: event and all events of the call (unset for other refusals).
    event: FundsMoved
    events: list[_BrokerEvent]

class LimitExceeded(TransferRefused): ...
class SagaError(BrokerXError): ...

# ---- views ----------------------------------------------------------------

@final
class Level:
    @property
    def price(self) -> Decimal: ...
    @property
    def qty(self) -> Decimal: ...
    @property
    def orders(self) -> int: ...
    def to_dict(self) -> dict[str, Any]: ...

@final
class Order:
    @property
    def order_id(self) -> int: ...
    @property
    def account(self) -> int: ...
    @property
    def instrument(self) -> int: ...
    @property
    def side(self) -> _SideName: ...
    @property
    def price(self) -> Decimal: ...
    @property
    def trigger(self) -> Decimal | None: ...
    @property
    def display(self) -> Decimal | None: ...
    @property
    def status(self) -> Literal["waiting", "resting"]: ...
    @property
    def qty(self) -> Decimal: ...
    @property
    def remaining(self) -> Decimal: ...
    @property
    def filled(self) -> Decimal: ...
    @property
    def version(self) -> int: ...
    @property
    def time_in_force(self) -> _TimeInForceName: ...
    @property
    def post_only(self) -> bool: ...
    @property
    def expire_at(self) -> int | None: ...
    @property
    def client_order_id(self) -> str | None: ...
    def to_dict(self) -> dict[str, Any]: ...

@final
class Instrument:
    @property
    def id(self) -> int: ...
    @property
    def symbol(self) -> str: ...
    @property
    def tick_size(self) -> Decimal: ...
    @property
    def lot_size(self) -> Decimal: ...
    @property
    def min_qty(self) -> Decimal: ...
    @property
    def max_qty(self) -> Decimal: ...
    @property
    def status(self) -> _StatusName: ...

# ---- events ---------------------------------------------------------------

class _EventBase:
    @property
    def seq(self) -> int: ...
    @property
    def ts(self) -> int: ...
    @property
    def correlation_id(self) -> int: ...
    @property
    def instrument(self) -> int: ...
    def to_dict(self) -> dict[str, Any]: ...

@final
class InstrumentRegistered(_EventBase):
    __match_args__ = ("seq", "ts", "correlation_id", "instrument")

@final
class TradingStatusChanged(_EventBase):
    __match_args__ = ("seq", "ts", "correlation_id", "instrument", "status")
    @property
    def status(self) -> _StatusName: ...

@final
class Accepted(_EventBase):
    __match_args__ = (
        "seq", "ts", "correlation_id", "instrument", "order_id", "account", "side", "price",
        "qty", "time_in_force", "client_order_id",
    )
    @property
    def order_id(self) -> int: ...
    @property
    def account(self) -> int: ...
    @property
    def side(self) -> _SideName: ...
    @property
    def price(self) -> Decimal | None: ...
    @property
    def qty(self) -> Decimal: ...
    @property
    def time_in_force(self) -> _TimeInForceName: ...
    @property
    def client_order_id(self) -> str | None: ...

@final
class Rejected(_EventBase):
    __match_args__ = (
        "seq", "ts", "correlation_id", "instrument", "account", "order_id", "client_order_id",
        "reason",
    )
    @property
    def account(self) -> int: ...
    @property
    def order_id(self) -> int | None: ...
    @property
    def client_order_id(self) -> str | None: ...
    @property
    def reason(self) -> Literal["post_only_would_cross", "instrument_halted", "instrument_closed"]: ...

@final
class Trade(_EventBase):
    __match_args__ = (
        "seq", "ts", "correlation_id", "instrument", "trade_id", "price", "qty", "aggressor",
        "maker_order_id", "maker_account", "maker_remaining", "taker_order_id",
        "taker_account", "taker_remaining",
    )
    @property
    def trade_id(self) -> int: ...
    @property
    def price(self) -> Decimal: ...
    @property
    def qty(self) -> Decimal: ...
    @property
    def aggressor(self) -> _SideName: ...
    @property
    def maker_order_id(self) -> int: ...
    @property
    def maker_account(self) -> int: ...
    @property
    def maker_remaining(self) -> Decimal: ...
    @property
    def taker_order_id(self) -> int: ...
    @property
    def taker_account(self) -> int: ...
    @property
    def taker_remaining(self) -> Decimal: ...

_CancelReasonName: TypeAlias = Literal[
    "user", "ioc_remainder", "fok_unfillable", "no_liquidity", "stp", "mass_cancel", "halted",
    "closed", "level_capacity_reached",
]

@final
class Cancelled(_EventBase):
    __match_args__ = (
        "seq", "ts", "correlation_id", "instrument", "order_id", "account", "qty", "reason", "side",
        "price", "filled",
    )
    @property
    def order_id(self) -> int: ...
    @property
    def account(self) -> int: ...
    @property
    def qty(self) -> Decimal: ...
    @property
    def reason(self) -> _CancelReasonName: ...
    @property
    def side(self) -> _SideName: ...
    @property
    def price(self) -> Decimal | None: ...
    @property
    def filled(self) -> Decimal: ...

@final
class Reduced(_EventBase):
    __match_args__ = (
        "seq", "ts", "correlation_id", "instrument", "order_id", "account", "qty", "remaining",
        "reason", "side", "price", "filled",
    )
    @property
    def order_id(self) -> int: ...
    @property
    def account(self) -> int: ...
    @property
    def qty(self) -> Decimal: ...
    @property
    def remaining(self) -> Decimal: ...
    @property
    def reason(self) -> _CancelReasonName: ...
    @property
    def side(self) -> _SideName: ...
    @property
    def price(self) -> Decimal | None: ...
    @property
    def filled(self) -> Decimal: ...

@final
class Amended(_EventBase):
    __match_args__ = (
        "seq", "ts", "correlation_id", "instrument", "order_id", "account", "version", "price",
        "qty", "remaining", "priority_kept", "side", "filled",
    )
    @property
    def order_id(self) -> int: ...
    @property
    def account(self) -> int: ...
    @property
    def version(self) -> int: ...
    @property
    def price(self) -> Decimal: ...
    @property
    def qty(self) -> Decimal: ...
    @property
    def remaining(self) -> Decimal: ...
    @property
    def priority_kept(self) -> bool: ...
    @property
    def side(self) -> _SideName: ...
    @property
    def filled(self) -> Decimal: ...

@final
class Expired(_EventBase):
    __match_args__ = (
        "seq", "ts", "correlation_id", "instrument", "order_id", "account", "qty", "side", "price",
        "filled",
    )
    @property
    def order_id(self) -> int: ...
    @property
    def account(self) -> int: ...
    @property
    def qty(self) -> Decimal: ...
    @property
    def side(self) -> _SideName: ...
    @property
    def price(self) -> Decimal: ...
    @property
    def filled(self) -> Decimal: ...

@final
class StopAccepted(_EventBase):
    __match_args__ = (
        "seq", "ts", "correlation_id", "instrument", "order_id", "account", "side", "trigger",
        "limit", "qty", "time_in_force",
    )
    @property
    def order_id(self) -> int: ...
    @property
    def account(self) -> int: ...
    @property
    def side(self) -> _SideName: ...
    @property
    def trigger(self) -> Decimal: ...
    @property
    def limit(self) -> Decimal | None: ...
    @property
    def qty(self) -> Decimal: ...
    @property
    def time_in_force(self) -> _TimeInForceName: ...

@final
class Triggered(_EventBase):
    __match_args__ = (
        "seq", "ts", "correlation_id", "instrument", "order_id", "account", "side", "trigger",
        "last_price", "limit", "qty", "time_in_force",
    )
    @property
    def order_id(self) -> int: ...
    @property
    def account(self) -> int: ...
    @property
    def side(self) -> _SideName: ...
    @property
    def trigger(self) -> Decimal: ...
    @property
    def last_price(self) -> Decimal: ...
    @property
    def limit(self) -> Decimal | None: ...
    @property
    def qty(self) -> Decimal: ...
    @property
    def time_in_force(self) -> _TimeInForceName: ...

@final
class TriggerLimitReached(_EventBase):
    __match_args__ = ("seq", "ts", "correlation_id", "instrument", "fired")
    @property
    def fired(self) -> int: ...

@final
class StopAmended(_EventBase):
    __match_args__ = (
        "seq", "ts", "correlation_id", "instrument", "order_id", "account", "side", "version",
        "trigger", "limit", "qty", "priority_kept",
    )
    @property
    def order_id(self) -> int: ...
    @property
    def account(self) -> int: ...
    @property
    def side(self) -> _SideName: ...
    @property
    def version(self) -> int: ...
    @property
    def trigger(self) -> Decimal: ...
    @property
    def limit(self) -> Decimal | None: ...
    @property
    def qty(self) -> Decimal: ...
    @property
    def priority_kept(self) -> bool: ...

@final
class Refreshed(_EventBase):
    __match_args__ = (
        "seq", "ts", "correlation_id", "instrument", "order_id", "account", "side", "price",
        "shown", "hidden", "filled",
    )
    @property
    def order_id(self) -> int: ...
    @property
    def account(self) -> int: ...
    @property
    def side(self) -> _SideName: ...
    @property
    def price(self) -> Decimal: ...
    @property
    def shown(self) -> Decimal: ...
    @property
    def hidden(self) -> Decimal: ...
    @property
    def filled(self) -> Decimal: ...

@final
class LevelChanged(_EventBase):
    __match_args__ = ("seq", "ts", "correlation_id", "instrument", "side", "price", "qty", "orders")
    @property
    def side(self) -> _SideName: ...
    @property
    def price(self) -> Decimal: ...
    @property
    def qty(self) -> Decimal: ...
    @property
    def orders(self) -> int: ...

@final
class BboChanged(_EventBase):
    __match_args__ = ("seq", "ts", "correlation_id", "instrument", "bid", "ask")
    @property
    def bid(self) -> Level | None: ...
    @property
    def ask(self) -> Level | None: ...

_Event: TypeAlias = (
    InstrumentRegistered | TradingStatusChanged | Accepted | Rejected | Trade | Cancelled
    | Reduced | Amended | Expired | StopAccepted | Triggered | TriggerLimitReached | StopAmended | Refreshed
    | LevelChanged | BboChanged
)

# ---- commands -------------------------------------------------------------

class _CommandBase:
    @property
    def ts(self) -> int | None: ...
    @property
    def correlation_id(self) -> int: ...
    def to_dict(self) -> dict[str, Any]: ...

@final
class Place(_CommandBase):
    def __new__(
        cls,
        account: int,
        instrument: _InstrumentRef,
        side: _SideName,
        price: _DecimalLike | None,
        qty: _DecimalLike,
        *,
        trigger: _DecimalLike | None = None,
        amount: _DecimalLike | None = None,
        display: _DecimalLike | None = None,
        time_in_force: _TimeInForceName | None = None,
        expire_at: _Timestamp | None = None,
        post_only: bool = False,
        stp: _StpName = "none",
        client_order_id: str | None = None,
        ts: _Timestamp | None = None,
        correlation_id: int = 0,
    ) -> Place: ...
    @property
    def account(self) -> int: ...
    @property
    def instrument(self) -> _InstrumentRef: ...
    @property
    def side(self) -> _SideName: ...
    @property
    def price(self) -> Decimal | None: ...
    @property
    def trigger(self) -> Decimal | None: ...
    @property
    def amount(self) -> Decimal | None: ...
    @property
    def display(self) -> Decimal | None: ...
    @property
    def qty(self) -> Decimal: ...
    @property
    def time_in_force(self) -> _TimeInForceName: ...
    @property
    def expire_at(self) -> int | None: ...
    @property
    def post_only(self) -> bool: ...
    @property
    def stp(self) -> _StpName: ...
    @property
    def client_order_id(self) -> str | None: ...

@final
class Cancel(_CommandBase):
    def __new__(
        cls, account: int, order_id: int, *, ts: _Timestamp | None = None, correlation_id: int = 0
    ) -> Cancel: ...
    @property
    def account(self) -> int: ...
    @property
    def order_id(self) -> int: ...

@final
class Amend(_CommandBase):
    def __new__(
        cls,
        account: int,
        order_id: int,
        *,
        price: _DecimalLike | None = None,
        qty: _DecimalLike | None = None,
        trigger: _DecimalLike | None = None,
        display: _DecimalLike | None = None,
        expected_version: int | None = None,
        ts: _Timestamp | None = None,
        correlation_id: int = 0,
    ) -> Amend: ...
    @property
    def account(self) -> int: ...
    @property
    def order_id(self) -> int: ...
    @property
    def price(self) -> Decimal | None: ...
    @property
    def qty(self) -> Decimal | None: ...
    @property
    def trigger(self) -> Decimal | None: ...
    @property
    def display(self) -> Decimal | None: ...
    @property
    def expected_version(self) -> int | None: ...

@final
class MassCancel(_CommandBase):
    def __new__(
        cls,
        *,
        account: int | None = None,
        instrument: _InstrumentRef | None = None,
        ts: _Timestamp | None = None,
        correlation_id: int = 0,
    ) -> MassCancel: ...
    @property
    def account(self) -> int | None: ...
    @property
    def instrument(self) -> _InstrumentRef | None: ...

@final
class SetTradingStatus(_CommandBase):
    def __new__(
        cls,
        instrument: _InstrumentRef,
        status: _StatusName,
        *,
        cancel_resting: bool = False,
        ts: _Timestamp | None = None,
        correlation_id: int = 0,
    ) -> SetTradingStatus: ...
    @property
    def instrument(self) -> _InstrumentRef: ...
    @property
    def status(self) -> _StatusName: ...
    @property
    def cancel_resting(self) -> bool: ...

@final
class RegisterInstrument(_CommandBase):
    def __new__(
        cls,
        symbol: str,
        tick_size: _DecimalLike,
        lot_size: _DecimalLike,
        *,
        min_qty: _DecimalLike | None = None,
        max_qty: _DecimalLike | None = None,
        status: _StatusName = "open",
        ts: _Timestamp | None = None,
        correlation_id: int = 0,
    ) -> RegisterInstrument: ...
    @property
    def symbol(self) -> str: ...
    @property
    def tick_size(self) -> Decimal: ...
    @property
    def lot_size(self) -> Decimal: ...

@final
class ExpireDue(_CommandBase):
    def __new__(cls, *, ts: _Timestamp | None = None, correlation_id: int = 0) -> ExpireDue: ...

_Command: TypeAlias = Place | Cancel | Amend | MassCancel | SetTradingStatus | RegisterInstrument | ExpireDue

def command_from_dict(data: dict[str, Any]) -> _Command: ...

# ---- engine ---------------------------------------------------------------

@final
class EventBatch:
    def __len__(self) -> int: ...
    @overload
    def __getitem__(self, index: int, /) -> _Event: ...
    @overload
    def __getitem__(self, index: slice, /) -> list[_Event]: ...
    def __iter__(self) -> Iterator[_Event]: ...
    @property
    def errors(self) -> list[tuple[int, BrokerXError]]: ...
    @property
    def trade_count(self) -> int: ...
    def to_list(self) -> list[_Event]: ...

@final
class Engine:
    def __new__(
        cls,
        *,
        max_orders: int | None = None,
        max_levels_per_side: int | None = None,
        max_instruments: int | None = None,
        market_data: bool = True,
        max_triggers_per_command: int | None = None,
    ) -> Engine: ...
    def register_instrument(
        self,
        symbol: str,
        tick_size: _DecimalLike,
        lot_size: _DecimalLike,
        *,
        min_qty: _DecimalLike | None = None,
        max_qty: _DecimalLike | None = None,
        status: _StatusName = "open",
        ts: _Timestamp | None = None,
        correlation_id: int = 0,
    ) -> list[_Event]: ...
    def place(
        self,
        account: int,
        instrument: _InstrumentRef,
        side: _SideName,
        price: _DecimalLike | None,
        qty: _DecimalLike,
        *,
        trigger: _DecimalLike | None = None,
        amount: _DecimalLike | None = None,
        display: _DecimalLike | None = None,
        time_in_force: _TimeInForceName | None = None,
        expire_at: _Timestamp | None = None,
        post_only: bool = False,
        stp: _StpName = "none",
        client_order_id: str | None = None,
        ts: _Timestamp | None = None,
        correlation_id: int = 0,
    ) -> list[_Event]: ...
    def cancel(
        self, account: int, order_id: int, *, ts: _Timestamp | None = None, correlation_id: int = 0
    ) -> list[_Event]: ...
    def amend(
        self,
        account: int,
        order_id: int,
        *,
        price: _DecimalLike | None = None,
        qty: _DecimalLike | None = None,
        trigger: _DecimalLike | None = None,
        display: _DecimalLike | None = None,
        expected_version: int | None = None,
        ts: _Timestamp | None = None,
        correlation_id: int = 0,
    ) -> list[_Event]: ...
    def mass_cancel(
        self,
        *,
        account: int | None = None,
        instrument: _InstrumentRef | None = None,
        ts: _Timestamp | None = None,
        correlation_id: int = 0,
    ) -> list[_Event]: ...
    def set_status(
        self,
        instrument: _InstrumentRef,
        status: _StatusName,
        *,
        cancel_resting: bool = False,
        ts: _Timestamp | None = None,
        correlation_id: int = 0,
    ) -> list[_Event]: ...
    def halt(
        self,
        instrument: _InstrumentRef,
        *,
        cancel_resting: bool = False,
        ts: _Timestamp | None = None,
        correlation_id: int = 0,
    ) -> list[_Event]: ...
    def resume(
        self, instrument: _InstrumentRef, *, ts: _Timestamp | None = None, correlation_id: int = 0
    ) -> list[_Event]: ...
    def on_time(self, now: _Timestamp) -> list[_Event]: ...
    def next_deadline(self) -> int | None: ...
    def submit(self, command: _Command) -> list[_Event]: ...
    def submit_many(self, commands: Iterable[_Command]) -> EventBatch: ...
    def bbo(self, instrument: _InstrumentRef) -> tuple[Level | None, Level | None]: ...
    def depth(self, instrument: _InstrumentRef, side: _SideName, levels: int | None = None) -> list[Level]: ...
    def orders_at(
        self, instrument: _InstrumentRef, side: _SideName, price: _DecimalLike
    ) -> list[Order]: ...
    def stops(self, instrument: _InstrumentRef, side: _SideName) -> list[Order]: ...
    def last_price(self, instrument: _InstrumentRef) -> Decimal | None: ...
    def order(self, order_id: int) -> Order | None: ...
    def instrument(self, instrument: _InstrumentRef) -> Instrument: ...
    def instruments(self) -> list[Instrument]: ...
    @property
    def now(self) -> int: ...
    @property
    def last_seq(self) -> int: ...
    @property
    def live_orders(self) -> int: ...
    def state_hash(self) -> int: ...
    def check_invariants(self) -> None: ...
    def snapshot(self) -> bytes: ...
    @classmethod
    def restore(cls, data: bytes) -> Engine: ...
    def __reduce__(self) -> tuple[Any, tuple[bytes]]: ...

# ---- ledger ---------------------------------------------------------------

_AccountKey: TypeAlias = tuple[int, int]

@final
class Transfer:
    LINKED: int
    PENDING: int
    POST_PENDING: int
    VOID_PENDING: int
    RESIZE_PENDING: int
    POST_PART: int
    def __new__(
        cls,
        id: int,
        *,
        debit: _AccountKey | None = None,
        credit: _AccountKey | None = None,
        amount: _DecimalLike | None = None,
        amount_minor: int | None = None,
        pending_id: int = 0,
        timeout_ns: int = 0,
        code: int = 1,
        flags: int = 0,
        user_data: int = 0,
    ) -> Transfer: ...
    @staticmethod
    def single(
        id: int,
        debit: _AccountKey,
        credit: _AccountKey,
        amount: _DecimalLike | None = None,
        code: int = 1,
        *,
        amount_minor: int | None = None,
        user_data: int = 0,
        linked: bool = False,
    ) -> Transfer: ...
    @staticmethod
    def pending(
        id: int,
        debit: _AccountKey,
        credit: _AccountKey,
        amount: _DecimalLike | None = None,
        code: int = 5,
        *,
        timeout_ns: int = 0,
        amount_minor: int | None = None,
        user_data: int = 0,
        linked: bool = False,
    ) -> Transfer: ...
    @staticmethod
    def post(
        id: int,
        pending_id: int,
        amount: _DecimalLike | None = None,
        code: int = 3,
        *,
        amount_minor: int | None = None,
        user_data: int = 0,
        linked: bool = False,
    ) -> Transfer: ...
    @staticmethod
    def post_part(
        id: int,
        pending_id: int,
        amount: _DecimalLike | None = None,
        code: int = 3,
        *,
        amount_minor: int | None = None,
        user_data: int = 0,
        linked: bool = False,
    ) -> Transfer: ...
    @staticmethod
    def resize(
        id: int,
        pending_id: int,
        amount: _DecimalLike | None = None,
        code: int = 5,
        *,
        amount_minor: int | None = None,
        user_data: int = 0,
        linked: bool = False,
    ) -> Transfer: ...
    @staticmethod
    def void(id: int, pending_id: int, code: int = 5, *, user_data: int = 0, linked: bool = False) -> Transfer: ...
    @property
    def id(self) -> int: ...
    @property
    def kind(self) -> Literal["single", "pending", "post", "void", "resize", "post_part"]: ...
    @property
    def debit(self) -> _AccountKey | None: ...
    @property
    def credit(self) -> _AccountKey | None: ...
    @property
    def amount(self) -> Decimal | None: ...
    @property
    def amount_minor(self) -> int | None: ...
    @property
    def pending_id(self) -> int: ...
    @property
    def timeout_ns(self) -> int: ...
    @property
    def code(self) -> int: ...
    @property
    def user_data(self) -> int: ...
    @property
    def flags(self) -> int: ...
    @property
    def linked(self) -> bool: ...

@final
class TransferResult:
    @property
    def id(self) -> int: ...
    @property
    def status(self) -> str: ...
    @property
    def ok(self) -> bool: ...
    @property
    def succeeded(self) -> bool: ...
    def raise_for_status(self) -> None: ...
    def to_dict(self) -> dict[str, Any]: ...

@final
class Balance:
    @property
    def posted(self) -> Decimal: ...
    @property
    def available(self) -> Decimal: ...
    @property
    def debits_pending(self) -> Decimal: ...
    @property
    def debits_posted(self) -> Decimal: ...
    @property
    def credits_pending(self) -> Decimal: ...
    @property
    def credits_posted(self) -> Decimal: ...
    def to_minor(self) -> dict[str, int]: ...
    def to_dict(self) -> dict[str, str]: ...

@final
class Hold:
    @property
    def id(self) -> int: ...
    @property
    def debit(self) -> _AccountKey: ...
    @property
    def credit(self) -> _AccountKey: ...
    @property
    def amount(self) -> Decimal: ...
    @property
    def pending_amount(self) -> Decimal: ...
    @property
    def posted_amount(self) -> Decimal: ...
    @property
    def amount_minor(self) -> int: ...
    @property
    def pending_amount_minor(self) -> int: ...
    @property
    def posted_amount_minor(self) -> int: ...
    @property
    def expires_at(self) -> int | None: ...
    @property
    def state(self) -> Literal["pending", "posted", "voided", "expired"]: ...
    @property
    def resolved_by(self) -> int | None: ...

@final
class Ledger:
    def __new__(
        cls,
        *,
        assets_max: int | None = None,
        accounts_max: int | None = None,
        transfers_max: int | None = None,
        transfer_limits: list[tuple[int, int, int]] = ...,
        daily_limits: list[tuple[int, int, Literal["debit", "credit"], int]] = ...,
        wallet_limits: list[tuple[int, int]] = ...,
    ) -> Ledger: ...
    def create_asset(self, asset: int, code: str, scale: int, *, ts: _Timestamp | None = None) -> None: ...
    def create_account(
        self,
        owner: int,
        asset: int,
        *,
        system: bool = False,
        max_balance: _DecimalLike | None = None,
        max_balance_minor: int | None = None,
        ts: _Timestamp | None = None,
    ) -> None: ...
    def submit(self, transfers: list[Transfer], *, ts: _Timestamp | None = None) -> list[TransferResult]: ...
    def on_time(self, now: _Timestamp) -> list[int]: ...
    def next_deadline(self) -> int | None: ...
    @property
    def now(self) -> int: ...
    def balance(self, owner: int, asset: int) -> Balance | None: ...
    def hold(self, id: int) -> Hold | None: ...
    def holds_of(self, owner: int, asset: int) -> list[Hold]: ...
    def totals(self, asset: int) -> tuple[Decimal, Decimal, int] | None: ...
    def totals_minor(self, asset: int) -> tuple[int, int, int] | None: ...
    def entries_of(self, owner: int, asset: int) -> int: ...
    @property
    def journal_len(self) -> int: ...
    def journal(self, start: int = 0) -> bytes: ...
    @classmethod
    def replay(
        cls,
        journal: bytes,
        *,
        assets_max: int | None = None,
        accounts_max: int | None = None,
        transfers_max: int | None = None,
        transfer_limits: list[tuple[int, int, int]] = ...,
        daily_limits: list[tuple[int, int, Literal["debit", "credit"], int]] = ...,
        wallet_limits: list[tuple[int, int]] = ...,
    ) -> Ledger: ...
    def state_hash(self) -> int: ...
    def check_invariants(self) -> None: ...
    def snapshot(self) -> bytes: ...
    @classmethod
    def restore(cls, data: bytes) -> Ledger: ...
    def __reduce__(self) -> tuple[Any, tuple[bytes]]: ...

# ---- broker ---------------------------------------------------------------

class _BrokerEventBase:
    @property
    def seq(self) -> int: ...
    @property
    def ts(self) -> int: ...
    @property
    def correlation_id(self) -> int: ...
    def to_dict(self) -> dict[str, Any]: ...

@final
class Posting(_BrokerEventBase):
    @property
    def transfer_id(self) -> int: ...
    @property
    def kind(self) -> Literal["single", "hold", "post", "void", "resize", "post_part"]: ...
    @property
    def code(self) -> int: ...
    @property
    def debit(self) -> _AccountKey: ...
    @property
    def credit(self) -> _AccountKey: ...
    @property
    def amount(self) -> Decimal: ...
    @property
    def order_id(self) -> int | None: ...
    @property
    def trade_id(self) -> int | None: ...

@final
class RiskRejected(_BrokerEventBase):
    @property
    def account(self) -> int: ...
    @property
    def instrument(self) -> int: ...
    @property
    def order_id(self) -> int | None: ...
    @property
    def reason(self) -> str: ...
    @property
    def context(self) -> dict[str, Decimal]: ...

@final
class FundsMoved(_BrokerEventBase):
    @property
    def key(self) -> int: ...
    @property
    def direction(self) -> Literal["deposit", "withdrawal"]: ...
    @property
    def account(self) -> int: ...
    @property
    def asset(self) -> int: ...
    @property
    def amount(self) -> Decimal: ...
    @property
    def status(self) -> str: ...
    @property
    def replayed(self) -> bool: ...

@final
class AssetCreated(_BrokerEventBase):
    @property
    def asset(self) -> int: ...

@final
class MarketRegistered(_BrokerEventBase):
    @property
    def instrument(self) -> int: ...
    @property
    def base(self) -> int: ...
    @property
    def quote(self) -> int: ...

@final
class InstrumentRiskChanged(_BrokerEventBase):
    @property
    def instrument(self) -> int: ...

@final
class AccountLimitsChanged(_BrokerEventBase):
    @property
    def account(self) -> int: ...

@final
class AccountEnabledChanged(_BrokerEventBase):
    @property
    def account(self) -> int: ...
    @property
    def enabled(self) -> bool: ...

@final
class RestrictionChanged(_BrokerEventBase):
    @property
    def account(self) -> int: ...
    @property
    def instrument(self) -> int: ...
    @property
    def restricted(self) -> bool: ...

@final
class SettlementFailed(_BrokerEventBase):
    @property
    def trade_id(self) -> int: ...
    @property
    def status(self) -> str: ...

_BrokerEvent: TypeAlias = (
    _Event | Posting | RiskRejected | FundsMoved | AssetCreated | MarketRegistered | InstrumentRiskChanged
    | AccountLimitsChanged | AccountEnabledChanged | RestrictionChanged | SettlementFailed
)

@final
class InstrumentRisk:
    def __new__(
        cls,
        *,
        state: Literal["active", "reducing", "halted"] = "active",
        max_order_qty: _DecimalLike | None = None,
        max_order_notional: _DecimalLike | None = None,
        collar_bps: int | None = ...,
        reference_price: _DecimalLike | None = None,
        fail_closed: bool = True,
        maker_fee_bps: int = 0,
        taker_fee_bps: int = 0,
    ) -> InstrumentRisk: ...
    @property
    def state(self) -> Literal["active", "reducing", "halted"]: ...
    @property
    def collar_bps(self) -> int | None: ...
    @property
    def maker_fee_bps(self) -> int: ...
    @property
    def taker_fee_bps(self) -> int: ...

_Key: TypeAlias = int | str | bytes | uuid.UUID

@final
class Broker:
    def __new__(
        cls,
        *,
        max_orders: int | None = None,
        max_levels_per_side: int | None = None,
        max_instruments: int | None = None,
        market_data: bool = True,
        max_triggers_per_command: int | None = None,
    ) -> Broker: ...
    def create_asset(
        self,
        asset: int,
        code: str,
        scale: int,
        *,
        wallet_max_balance: _DecimalLike | None = None,
        ts: _Timestamp | None = None,
        correlation_id: int = 0,
    ) -> list[_BrokerEvent]: ...
    def register_market(
        self,
        symbol: str,
        tick_size: _DecimalLike,
        lot_size: _DecimalLike,
        base: int,
        quote: int,
        *,
        min_qty: _DecimalLike | None = None,
        max_qty: _DecimalLike | None = None,
        risk: InstrumentRisk | None = None,
        ts: _Timestamp | None = None,
        correlation_id: int = 0,
    ) -> list[_BrokerEvent]: ...
    def deposit(
        self, account: int, asset: int, amount: _DecimalLike, key: _Key, *, ts: _Timestamp | None = None,
        correlation_id: int = 0,
    ) -> list[_BrokerEvent]: ...
    def withdraw(
        self, account: int, asset: int, amount: _DecimalLike, key: _Key, *, ts: _Timestamp | None = None,
        correlation_id: int = 0,
    ) -> list[_BrokerEvent]: ...
    def place(
        self,
        account: int,
        instrument: _InstrumentRef,
        side: _SideName,
        price: _DecimalLike | None,
        qty: _DecimalLike,
        *,
        trigger: _DecimalLike | None = None,
        amount: _DecimalLike | None = None,
        display: _DecimalLike | None = None,
        time_in_force: _TimeInForceName | None = None,
        expire_at: _Timestamp | None = None,
        post_only: bool = False,
        stp: _StpName = "none",
        client_order_id: str | None = None,
        ts: _Timestamp | None = None,
        correlation_id: int = 0,
    ) -> list[_BrokerEvent]: ...
    def cancel(
        self, account: int, order_id: int, *, ts: _Timestamp | None = None, correlation_id: int = 0
    ) -> list[_BrokerEvent]: ...
    def amend(
        self,
        account: int,
        order_id: int,
        *,
        price: _DecimalLike | None = None,
        qty: _DecimalLike | None = None,
        trigger: _DecimalLike | None = None,
        display: _DecimalLike | None = None,
        expected_version: int | None = None,
        ts: _Timestamp | None = None,
        correlation_id: int = 0,
    ) -> list[_BrokerEvent]: ...
    def mass_cancel(
        self,
        *,
        account: int | None = None,
        instrument: _InstrumentRef | None = None,
        ts: _Timestamp | None = None,
        correlation_id: int = 0,
    ) -> list[_BrokerEvent]: ...
    def set_status(
        self,
        instrument: _InstrumentRef,
        status: _StatusName,
        *,
        cancel_resting: bool = False,
        ts: _Timestamp | None = None,
        correlation_id: int = 0,
    ) -> list[_BrokerEvent]: ...
    def set_instrument_risk(
        self, instrument: _InstrumentRef, risk: InstrumentRisk, *, ts: _Timestamp | None = None,
        correlation_id: int = 0,
    ) -> list[_BrokerEvent]: ...
    def set_account_limits(
        self,
        account: int,
        *,
        max_order_qty: int | None = None,
        max_order_notional: int | None = None,
        max_open_orders: int | None = None,
        throttle: tuple[int, int] | None = None,
        ts: _Timestamp | None = None,
        correlation_id: int = 0,
    ) -> list[_BrokerEvent]: ...
    def set_account_enabled(
        self, account: int, enabled: bool, *, ts: _Timestamp | None = None, correlation_id: int = 0
    ) -> list[_BrokerEvent]: ...
    def restrict_instrument(
        self, account: int, instrument: _InstrumentRef, restricted: bool = True, *, ts: _Timestamp | None = None,
        correlation_id: int = 0,
    ) -> list[_BrokerEvent]: ...
    def submit_many(
        self, commands: Iterable[_Command]
    ) -> tuple[list[_BrokerEvent], list[tuple[int, BrokerXError]]]: ...
    def on_time(self, now: _Timestamp) -> list[_BrokerEvent]: ...
    def next_deadline(self) -> int | None: ...
    @property
    def now(self) -> int: ...
    @property
    def last_seq(self) -> int: ...
    def available(self, account: int, asset: int) -> Decimal: ...
    def balance(self, account: int, asset: int) -> Decimal: ...
    def hold_of(self, order_id: int) -> tuple[int, Decimal] | None: ...
    def bbo(self, instrument: _InstrumentRef) -> tuple[Level | None, Level | None]: ...
    def depth(self, instrument: _InstrumentRef, side: _SideName, levels: int | None = None) -> list[Level]: ...
    def stops(self, instrument: _InstrumentRef, side: _SideName) -> list[Order]: ...
    def last_price(self, instrument: _InstrumentRef) -> Decimal | None: ...
    def order(self, order_id: int) -> Order | None: ...
    def instrument(self, instrument: _InstrumentRef) -> Instrument: ...
    def state_hash(self) -> int: ...
    def check_invariants(self) -> None: ...
    def snapshot(self) -> bytes: ...
    @classmethod
    def restore(cls, data: bytes) -> Broker: ...
    def __reduce__(self) -> tuple[Any, tuple[bytes]]: ...

# ---- sagas ----------------------------------------------------------------

@final
class SagaRegistry:
    def __new__(
        cls,
        *,
        reply_timeout_ns: int | None = None,
        backoff_factor: int | None = None,
        backoff_max_ns: int | None = None,
        forward_deliveries_max: int | None = None,
        sagas_max: int | None = None,
        escalate_after_deliveries: int | None = None,
    ) -> SagaRegistry: ...
    def start_order(
        self,
        now: _Timestamp,
        saga_id: int,
        *,
        account: int,
        instrument: int,
        side: _SideName,
        qty: int,
        limit_price: int,
        good_till: _Timestamp,
        base_per_lot: int = 1,
        quote_per_tick_lot: int = 1,
        maker_fee_bps: int = 0,
        taker_fee_bps: int = 0,
    ) -> list[dict[str, Any]]: ...
    def start_deposit(self, now: _Timestamp, saga_id: int, *, account: int, amount: int) -> list[dict[str, Any]]: ...
    def advance(self, now: _Timestamp, saga_id: int, input: str, **fields: int | str) -> list[dict[str, Any]]: ...
    def on_time(self, now: _Timestamp) -> list[dict[str, Any]]: ...
    def next_deadline(self) -> int | None: ...
    def state(self, saga_id: int) -> tuple[str, bool] | None: ...
    def overdue(self, now: _Timestamp, overdue_ns: int) -> list[int]: ...
    def stuck(self) -> list[tuple[int, int]]: ...
    def remove_finished(self, saga_id: int) -> None: ...
    def __len__(self) -> int: ...
    @property
    def live(self) -> int: ...
    def check_invariants(self) -> None: ...
    def snapshot(self) -> bytes: ...
    @classmethod
    def restore(cls, data: bytes) -> SagaRegistry: ...
    def __reduce__(self) -> tuple[Any, tuple[bytes]]: ...
