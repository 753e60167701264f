"""The largest numbers the catalog can store, read from the model fields, and the row/field error that names them.

SQLite does not enforce a DecimalField's digits and PostgreSQL refuses the whole statement, so every number is
bounded where it comes in (importers, the REST API, dashboard forms) with a message naming the limit, instead of
a 500 later. Everything that takes a number for these fields checks it here; change a field, and the limit follows.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from django.db.backends.base.operations import BaseDatabaseOperations

from catalog.models import Variant


@dataclass(frozen=True)
class DecimalLimit:
    """What a DecimalField(max_digits, decimal_places) holds: at most `max_digits - decimal_places` digits before
    the point and `decimal_places` after it."""

    max_digits: int
    decimal_places: int

    @cached_property
    def largest(self) -> Decimal:
        return Decimal(f"{'9' * (self.max_digits - self.decimal_places)}.{'9' * self.decimal_places}")

    def problem(self, value: Decimal, *, label: str) -> str | None:
        """None when `value` fits, else what is wrong and the limit, e.g. "price 12345678901.00 is too large:
        the most is 9999999999.9999"."""
        if not value.is_finite():
            return f"{label} {value} is not a number: give an amount like 24.00"
        if abs(value) > self.largest:
            return (
                f"{label} {value} is too large: the most is {self.largest} ({self.max_digits} digits, "
                f"{self.decimal_places} after the point)"
            )
        exponent = value.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > self.decimal_places and value != round(value, self.decimal_places):
            return (
                f"{label} {value} has more than {self.decimal_places} digits after the point: round it to "
                f"{round(value, self.decimal_places)}"
            )
        return None


@dataclass(frozen=True)
class IntegerLimit:
    smallest: int
    largest: int

    def problem(self, value: int | Decimal, *, label: str) -> str | None:
        if isinstance(value, Decimal) and not value.is_finite():
            return f"{label} {value} is not a number: give a whole number"
        if value < self.smallest:
            return f"{label} {value} is too small: the least is {self.smallest}"
        if value > self.largest:
            return f"{label} {value} is too large: the most is {self.largest}"
        return None


def decimal_limit(model, field_name: str) -> DecimalLimit:
    field = model._meta.get_field(field_name)
    return DecimalLimit(max_digits=field.max_digits, decimal_places=field.decimal_places)


def integer_limit(model, field_name: str) -> IntegerLimit:
    """The range Django validates the field to; the same on SQLite and PostgreSQL."""
    smallest, largest = BaseDatabaseOperations.integer_field_ranges[
        model._meta.get_field(field_name).get_internal_type()
    ]
    return IntegerLimit(smallest=smallest, largest=largest)


PRICE = decimal_limit(Variant, "price")
COMPARE_AT_PRICE = decimal_limit(Variant, "compare_at_price")
POSITION = integer_limit(Variant, "position")
# Stock counts are not stored, but shops keep them in 32-bit integers (Shopify, WooCommerce): a count outside
# that range is a broken cell, not a big warehouse.
# A product description is a TextField (no column limit); 100,000 characters is far beyond any shop's copy (Shopify
# shows about 5,000 words at most in a theme) and keeps one cell from filling a page, a prompt or a request.
DESCRIPTION_MAX_CHARS = 100_000
STOCK = IntegerLimit(*BaseDatabaseOperations.integer_field_ranges["IntegerField"])
