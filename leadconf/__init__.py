"""leadconf: configuration as code for SuperOffice CRM lead management."""

__version__ = "0.1.0"
