"""Plan Assistant: exact, cited answers about a government work plan."""

__version__ = "0.1.0"
