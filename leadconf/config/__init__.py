"""The configuration language: YAML in (`loader.load_config`), a typed, validated model out."""
