"""The library version (pyproject.toml holds the same): a leaf module, so anything may
import it without importing the wrapper."""

__version__ = "0.1.0"
