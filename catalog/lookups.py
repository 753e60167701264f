"""`field__any=[...]`: membership in a long list as ONE parameter.

`field__in=[5,000 values]` makes Django prepare every value and the driver rewrite a query with 5,000
placeholders (for an import's lookups that cost more than the inserts), and SQLite refuses more than 32,766
of them. PostgreSQL takes the list as an array, SQLite as JSON read by json_each; elsewhere a plain IN.
"""

import json

from django.core.exceptions import EmptyResultSet
from django.db.models import Field, ForeignObject, Lookup


@ForeignObject.register_lookup  # relations keep lookups of their own
@Field.register_lookup
class AnyOf(Lookup):
    lookup_name = "any"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = list(self.rhs)
        if not values:
            raise EmptyResultSet
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", [*lhs_params, values]
        if connection.vendor == "sqlite":
            return f"{lhs} IN (SELECT value FROM json_each(%s))", [*lhs_params, json.dumps(values)]
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*lhs_params, *values]
