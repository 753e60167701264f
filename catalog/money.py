"""Prices: parsing feed text into exact decimals and formatting them for a title card."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CNY": "¥", "INR": "₹", "KRW": "₩", "AUD": "A$",
            "CAD": "C$", "CHF": "CHF ", "SEK": "kr ", "BRL": "R$"}
_ZERO_DECIMAL = {"JPY", "KRW", "VND", "CLP", "ISK"}


def price_parse(text: str) -> Decimal:
    """'24.00', '24' or '1,299.50' -> Decimal. Raises ValueError with what was wrong."""
    cleaned = (text or "").strip().replace(",", "")
    if not cleaned:
        raise ValueError("price is empty: give a number like 24.00")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"price {text!r} is not a number: give a number like 24.00") from None
    if not value.is_finite() or value < 0:
        raise ValueError(f"price {text!r} must be zero or more")
    return value


def currency_parse(text: str) -> str:
    code = (text or "").strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise ValueError(f"currency {text!r} is not a 3-letter ISO 4217 code like USD or EUR")
    return code


def price_format(amount: Decimal, currency: str) -> str:
    places = Decimal(1) if currency in _ZERO_DECIMAL else Decimal("0.01")
    number = f"{amount.quantize(places):,}"
    symbol = _SYMBOLS.get(currency)
    return f"{symbol}{number}" if symbol else f"{number} {currency}"
