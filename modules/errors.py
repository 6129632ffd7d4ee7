"""Errors that the command line turns into one clear message and a non-zero exit."""

from __future__ import annotations


class ConfigError(Exception):
    """Bad input in a configuration file: names the file, the field and what is allowed."""

    def __init__(self, file: str, field: str, message: str) -> None:
        self.file = file
        self.field = field
        self.message = message
        super().__init__(f"{file}: {field}: {message}")
