"""Path converters for the API, registered once when this module is imported."""

from django.urls import register_converter


class DatabaseIdConverter:
    """A database id: 1 to 18 digits, so that no id in a URL can overflow a 64-bit integer column."""

    regex = "[0-9]{1,18}"

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return str(value)



register_converter(DatabaseIdConverter, "db_id")
