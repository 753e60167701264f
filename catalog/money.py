"""Prices for people: formatting an exact amount for a title card. (Parsing feed prices: importers/values.py.)"""

from __future__ import annotations

from decimal import Decimal

_SYMBOLS = {
    "USD": "$",
    "EUR": "€",
    "GBP": "£",
    "JPY": "¥",
    "CNY": "¥",
    "INR": "₹",
    "KRW": "₩",
    "AUD": "A$",
    "CAD": "C$",
    "CHF": "CHF ",
    "SEK": "kr ",
    "BRL": "R$",
}
_ZERO_DECIMAL = {"JPY", "KRW", "VND", "CLP", "ISK"}


def price_format(amount: Decimal, currency: str) -> str:
    places = Decimal(1) if currency in _ZERO_DECIMAL else Decimal("0.01")
    number = f"{amount.quantize(places):,}"
    symbol = _SYMBOLS.get(currency)
    return f"{symbol}{number}" if symbol else f"{number} {currency}"
