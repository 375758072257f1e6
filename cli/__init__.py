"""The `xxgk` command line: thin commands over the archive, crawler and replica APIs."""
