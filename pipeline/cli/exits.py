"""Exit codes of every command (README, SPEC §7): the one place they are defined."""

EXIT_OK = 0  # no errors in the data (warnings allowed)
EXIT_DATA_ERRORS = 1  # errors found in the data (or, for intake, files left in the inbox)
EXIT_USAGE = 2  # a usage or environment problem: nothing was checked or written
EXIT_INTERRUPTED = 130  # Ctrl-C

__all__ = ["EXIT_DATA_ERRORS", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_USAGE"]
