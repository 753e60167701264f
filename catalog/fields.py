"""Model fields with a behaviour of their own (no schema of their own: migrations see Django's field)."""

from __future__ import annotations

import decimal
from functools import cached_property

from django.db import models

# Wide enough for any float SQLite can hand back (about 1e308) with the field's decimal places.
AMOUNT_READ_PRECISION = 400


class AmountField(models.DecimalField):
    """A DecimalField whose stored values can always be read back.

    SQLite keeps any number in a DECIMAL column, and Django reads it by quantizing within max_digits, so one
    amount stored before the limits were enforced (e.g. a price of 12345678901.00 in DECIMAL(14, 4)) made every
    read of its product, every list containing it and its deletion a 500. Reading with a wider precision lets
    such a row be shown, corrected and deleted; new out-of-range amounts are refused where they come in
    (catalog/limits.py, the importers, the API)."""

    @cached_property
    def context(self):
        return decimal.Context(prec=max(self.max_digits or 0, AMOUNT_READ_PRECISION))

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.DecimalField", args, kwargs
