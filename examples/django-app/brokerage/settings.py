"""Settings for the example brokerage: SQLite by default, no static files, JSON API only."""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "example-only-not-secret")
DEBUG = os.environ.get("DJANGO_DEBUG", "0") == "1"
ALLOWED_HOSTS = ["*"]

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "trading",
]
MIDDLEWARE = [
    "django.middleware.common.CommonMiddleware",
]
ROOT_URLCONF = "brokerage.urls"
WSGI_APPLICATION = "brokerage.wsgi.application"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("BROKERAGE_DB", str(BASE_DIR / "db.sqlite3")),
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"

# Ledger assets (id, code, decimal places). USD carries 6 places so that one
# tick × one lot (0.01 × 0.0001) is a whole number of minor units, as the Broker requires.
BROKERX_ASSETS = [
    {"id": 1, "code": "USD", "scale": 6},
    {"id": 2, "code": "BTC", "scale": 8},
    {"id": 3, "code": "ETH", "scale": 8},
]

# Instruments the brokerage lists. Registered once, through the journal, so a
# rebuild registers them again in the same order with the same ids.
# Risk per market (brokerx.InstrumentRisk arguments): limit prices within
# ±collar_bps of the last trade (or of reference_price before the first one).
BROKERX_INSTRUMENTS = [
    {
        "symbol": "BTC-USD", "tick_size": "0.01", "lot_size": "0.0001", "base": "BTC", "quote": "USD",
        "risk": {"collar_bps": 5_000, "reference_price": "30000", "taker_fee_bps": 0, "maker_fee_bps": 0},
    },
    {
        "symbol": "ETH-USD", "tick_size": "0.01", "lot_size": "0.001", "base": "ETH", "quote": "USD",
        "risk": {"collar_bps": 5_000, "reference_price": "2000"},
    },
]
