"""The one version source: ``pyproject.toml`` reads it (``[tool.setuptools.dynamic]``), the package re-exports it."""

__version__ = "0.1.0"
