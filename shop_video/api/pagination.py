"""Cursor pagination for every API list: stable under inserts, and a bad cursor or page size is the caller's
error (400) naming what to send."""

from rest_framework import exceptions
from rest_framework.pagination import CursorPagination


class ApiCursorPagination(CursorPagination):
    ordering = "-id"
    page_size = 50
    page_size_query_param = "limit"
    max_page_size = 200

    def get_page_size(self, request):
        # DRF quietly falls back to the default for a limit it cannot use; a caller asking for 0, -5 or 10**40
        # items should learn the range instead.
        raw = request.query_params.get(self.page_size_query_param, "")
        if raw == "":
            return self.page_size
        size = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 6 else None
        if size is None or not 1 <= size <= self.max_page_size:
            raise exceptions.ValidationError(
                {self.page_size_query_param: [f"Must be a whole number from 1 to {self.max_page_size}."]}
            )
        return size

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
        return parameters

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except exceptions.NotFound:
            # DRF answers 404, but the list exists: the request is wrong, and the message says how to fix it.
            raise exceptions.ValidationError(
                {
                    self.cursor_query_param: [
                        "This cursor is not valid; use the `next` or `previous` link of a page as it was returned."
                    ]
                }
            ) from None
