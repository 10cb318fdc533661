"""rcagraph's version, in one place: the build reads it (``[tool.hatch.version]``) and so does the
code (model files, provenance, the API schema). A leaf module: it imports nothing, so any module
may import it without importing the package's core object."""

__version__ = "0.1.0"
