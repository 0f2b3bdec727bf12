"""Where a tenant lives: a snapshot file, or a SuperOffice tenant through its Web API."""
