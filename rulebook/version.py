"""rulebook's version, in its own module so that any module can read it without importing the
package (and everything the package re-exports)."""

__version__ = "0.1.0"
