"""The fleet: site crawls queued in PostgreSQL (procrastinate) and run by `xxgk worker` processes on
any number of machines, into one PostgreSQL archive (docs/architecture.md, "A fleet of workers")."""
