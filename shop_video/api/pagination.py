"""Cursor pagination for every API list: stable under inserts, and a bad cursor is the caller's error (400)."""

from rest_framework import exceptions
from rest_framework.pagination import CursorPagination


class ApiCursorPagination(CursorPagination):
    ordering = "-id"
    page_size = 50
    page_size_query_param = "limit"
    max_page_size = 200

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
