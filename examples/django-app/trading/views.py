"""JSON endpoints. The caller's account is the ``X-Account-Id`` header (a stand-in
for real authentication). Request bodies are parsed with ``parse_float=Decimal``,
so JSON numbers never become floats; decimal strings work too.

brokerx errors map to HTTP by exception class; the body always carries the
stable ``code``. Refusals that are part of trading (risk, post-only) are events.
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal, InvalidOperation
from typing import Any, Callable

import brokerx
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from . import host
from .models import IdempotencyKey, JournalEntry, TradeRecord

Handler = Callable[..., HttpResponse]


class BadRequest(Exception):
    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


#: Largest integer a JSON client is sure to read exactly (a JavaScript number).
JSON_SAFE_MAX = 2**53 - 1
#: Fields that can pass 2^53 (ns timestamps, 128-bit ids and keys): always
#: strings, so their JSON type does not depend on the value.
ALWAYS_STRING = frozenset({"ts", "expire_at", "correlation_id", "transfer_id", "key"})


def json_safe(value: Any, key: str | None = None) -> Any:
    """``value`` with every integer that may pass 2^53 as a decimal string."""
    if isinstance(value, dict):
        return {k: json_safe(v, k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value) if key in ALWAYS_STRING or abs(value) > JSON_SAFE_MAX else value
    return value


def respond(data: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None) -> JsonResponse:
    return JsonResponse(json_safe(data), status=status, headers=headers)


def error(status: int, code: str, message: str, **extra: Any) -> JsonResponse:
    return respond({"error": code, "message": message, **extra}, status=status)


def status_for(exc: brokerx.BrokerXError) -> int:
    if isinstance(exc, (brokerx.UnknownOrder, brokerx.UnknownInstrument)):
        return 404
    if isinstance(exc, (brokerx.StaleVersion, brokerx.DuplicateClientOrderId, brokerx.IdempotencyConflict)):
        return 409
    if isinstance(exc, (brokerx.InvalidOrder, brokerx.InvalidAmount)):
        return 400
    return 422


def api(view: Handler) -> Handler:
    """Maps errors to JSON responses."""

    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except BadRequest as e:
            return error(e.status, e.code, str(e))
        except brokerx.BrokerXError as e:
            return error(status_for(e), e.code, str(e), **refusal_of(e))
        except TypeError as e:  # e.g. a float where money is expected
            return error(400, "invalid_argument", str(e))
        except ValueError as e:  # e.g. an unknown side
            return error(400, "invalid_argument", str(e))

    wrapped.__name__ = view.__name__
    return csrf_exempt(wrapped)


def refusal_of(e: brokerx.BrokerXError) -> dict[str, Any]:
    """What a journaled refusal (a refused deposit or withdrawal) adds to the
    error body: its journal entry and event."""
    event = getattr(e, "event", None)
    if event is None:
        return {}
    return {"journal_id": getattr(e, "journal_id", None), "event": event.to_dict()}


def account_of(request: HttpRequest) -> int:
    raw = request.headers.get("X-Account-Id", "")
    if not raw.isdigit():
        raise BadRequest("account_required", "X-Account-Id header with a numeric account id is required", 401)
    return int(raw)


def body(request: HttpRequest) -> dict[str, Any]:
    try:
        data = json.loads(request.body or b"{}", parse_float=Decimal)
    except json.JSONDecodeError as e:
        raise BadRequest("invalid_json", str(e)) from e
    if not isinstance(data, dict):
        raise BadRequest("invalid_json", "body must be a JSON object")
    return data


def money(value: Any) -> str | Decimal:
    """A JSON number (already Decimal) or a decimal string, passed on unchanged."""
    if isinstance(value, (str, Decimal)):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    raise BadRequest("invalid_argument", f"expected a decimal number or string, got {value!r}")


def plain(d: Decimal) -> str:
    """A decimal without trailing zeros, never in exponent form: ``"0"``, not
    ``"0E-8"`` (what ``str`` gives for a zero with the asset's 8 places)."""
    return format(d.normalize(), "f")


def events_json(events: list[brokerx.BrokerEvent]) -> list[dict[str, Any]]:
    return [e.to_dict() for e in events]


# ---- deposits and withdrawals (idempotent) ---------------------------------


def funds(request: HttpRequest, op: str) -> HttpResponse:
    """A deposit or withdrawal: ``{"asset", "amount"}`` with an Idempotency-Key."""
    account = account_of(request)
    key = request.headers.get("Idempotency-Key")
    if not key:
        raise BadRequest("idempotency_key_required", f"{op}s need an Idempotency-Key header")
    data = body(request)
    asset = str(data.get("asset", ""))
    try:
        amount = Decimal(money(data.get("amount")))
    except InvalidOperation as e:
        raise BadRequest("invalid_amount", "amount is not a decimal number") from e
    if not asset or not amount.is_finite() or amount <= 0:
        raise BadRequest("invalid_amount", "need an asset and an amount > 0")
    # (Deposits keep the fingerprint they had before withdrawals existed.)
    request_id = [asset, str(amount)] if op == "deposit" else [op, asset, str(amount)]
    fingerprint = hashlib.sha256(json.dumps(request_id).encode()).hexdigest()

    def replay_or_conflict() -> HttpResponse | None:
        seen = IdempotencyKey.objects.filter(account=account, key=key).first()
        if seen is None:
            return None
        if seen.fingerprint != fingerprint:
            raise brokerx.IdempotencyConflict("idempotency key reused with a different request")
        return JsonResponse(seen.response, status=seen.status, headers={"Idempotent-Replayed": "true"})

    def make(h: host.Host) -> host.Operation:
        if asset not in h.assets:
            raise BadRequest("unknown_asset", f"unknown asset {asset!r}")
        # The Broker is idempotent by key too; scope the header's key to the account.
        return h.operation(op, account=account, asset=h.assets[asset], amount=str(amount), key=f"{account}:{key}")

    # Check, apply, journal and remember the key under the engine lock, in one
    # transaction: a concurrent retry in this process waits and then replays.
    # A refusal the Broker journaled (insufficient funds, a wallet cap) is that
    # key's answer too: committed and remembered like a success.
    with host.Locked() as h:
        earlier = replay_or_conflict()
        if earlier is not None:
            return earlier
        try:
            with transaction.atomic():
                try:
                    entry, _ = host.submit(make)
                except brokerx.BrokerXError as e:
                    if getattr(e, "event", None) is None:
                        raise
                    status = status_for(e)
                    response = json_safe({"error": e.code, "message": str(e), **refusal_of(e)})
                else:
                    status = 201
                    balance = h.broker.balance(account, h.assets[asset])
                    response = json_safe({
                        "journal_id": entry.id, "asset": asset, "amount": plain(amount), "balance": plain(balance),
                    })
                IdempotencyKey.objects.create(
                    account=account, key=key, fingerprint=fingerprint, status=status, response=response
                )
        except BaseException:
            host.shutdown()  # the in-memory Broker may be ahead of the rolled-back journal
            raise
    return JsonResponse(response, status=status)


@api
@require_http_methods(["POST"])
def deposit(request: HttpRequest) -> HttpResponse:
    return funds(request, "deposit")


@api
@require_http_methods(["POST"])
def withdrawal(request: HttpRequest) -> HttpResponse:
    return funds(request, "withdraw")


# ---- orders -------------------------------------------------------------------


@api
@require_http_methods(["POST"])
def orders(request: HttpRequest) -> HttpResponse:
    account = account_of(request)
    data = body(request)
    price = data.get("price")

    # Validate the shape here (the Broker validates everything else) so that only
    # well-formed operations reach the journal.
    side = data.get("side", "")
    if side not in ("buy", "sell"):
        raise BadRequest("invalid_argument", f"side must be 'buy' or 'sell', got {side!r}")
    args = {
        "account": account,
        "symbol": str(data.get("symbol", "")),
        "side": side,
        "price": None if price is None else str(money(price)),
        "qty": str(money(data.get("qty"))),
        "time_in_force": data.get("time_in_force"),
        "post_only": bool(data.get("post_only", False)),
        "client_order_id": data.get("client_order_id"),
    }

    def make(h: host.Host) -> host.Operation:
        return h.operation("place", **args)

    entry, events = host.submit(make)
    order_id = next((e.order_id for e in events if isinstance(e, brokerx.Accepted)), None)
    status = 201 if order_id is not None else 200  # a refusal (risk, post-only) is an event, and journaled
    return respond({"order_id": order_id, "journal_id": entry.id, "events": events_json(events)}, status=status)


@api
@require_http_methods(["GET", "PATCH", "DELETE"])
def order(request: HttpRequest, order_id: int) -> HttpResponse:
    account = account_of(request)
    if request.method == "GET":
        with host.Locked() as h:
            o = h.broker.order(order_id)
            hold = h.broker.hold_of(order_id)
        if o is None or o.account != account:
            raise BadRequest("unknown_order", f"order {order_id} is unknown or no longer live", 404)
        out = o.to_dict()
        out["hold"] = None if hold is None else str(hold[1])
        return respond(out)
    if request.method == "DELETE":

        def make_cancel(h: host.Host) -> host.Operation:
            return h.operation("cancel", account=account, order_id=order_id)

        entry, events = host.submit(make_cancel)
        return respond({"journal_id": entry.id, "events": events_json(events)})

    data = body(request)
    if "version" not in data:
        raise BadRequest("version_required", "an amend needs the order's current version")
    price, qty = data.get("price"), data.get("qty")

    amend_args = {
        "account": account,
        "order_id": order_id,
        "price": None if price is None else str(money(price)),
        "qty": None if qty is None else str(money(qty)),
        "expected_version": int(data["version"]),
    }

    def make_amend(h: host.Host) -> host.Operation:
        return h.operation("amend", **amend_args)

    entry, events = host.submit(make_amend)
    return respond({"journal_id": entry.id, "events": events_json(events)})


# ---- reads --------------------------------------------------------------------


@api
@require_GET
def instruments(request: HttpRequest) -> HttpResponse:
    """The listed markets: grid, quantity bounds, trading status and assets."""
    with host.Locked() as h:
        listed = [(h.broker.instrument(i), spec) for i, spec in enumerate(settings.BROKERX_INSTRUMENTS)]
    return respond({
        "instruments": [
            {"id": inst.id, "symbol": inst.symbol, "tick_size": plain(inst.tick_size),
             "lot_size": plain(inst.lot_size), "min_qty": plain(inst.min_qty), "max_qty": plain(inst.max_qty),
             "status": inst.status, "base": spec["base"], "quote": spec["quote"]}
            for inst, spec in listed
        ],
    })


@api
@require_GET
def book(request: HttpRequest, symbol: str) -> HttpResponse:
    """L2 levels, best first: the whole book, or the best ``?depth=N``."""
    raw = request.GET.get("depth")
    if raw is not None and not raw.isdigit():
        raise BadRequest("invalid_argument", f"depth must be a whole number, got {raw!r}")
    levels = None if raw is None else int(raw)
    with host.Locked() as h:
        bids = h.broker.depth(symbol, "buy", levels)
        asks = h.broker.depth(symbol, "sell", levels)
    return respond({"symbol": symbol, "bids": [lv.to_dict() for lv in bids], "asks": [lv.to_dict() for lv in asks]})


@api
@require_GET
def trades(request: HttpRequest, symbol: str) -> HttpResponse:
    limit = min(int(request.GET.get("limit", "100")), 1000)
    rows = TradeRecord.objects.filter(symbol=symbol).order_by("-trade_id")[:limit]
    return respond({
        "symbol": symbol,
        "trades": [
            {"trade_id": t.trade_id, "price": plain(t.price), "qty": plain(t.qty),
             "aggressor": t.aggressor, "ts": t.ts}
            for t in rows
        ],
    })


@api
@require_GET
def balances(request: HttpRequest) -> HttpResponse:
    account = account_of(request)
    with host.Locked() as h:
        mine = h.balances_of(account)
    return respond({
        "account": account,
        "balances": {a: {k: plain(v) for k, v in cols.items()} for a, cols in mine.items()},
    })


@api
def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """Any other path under /api/: a JSON 404, like every other API error."""
    raise BadRequest("not_found", f"no endpoint {request.method} {request.path}", 404)
