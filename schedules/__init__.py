"""The APScheduler service that runs nightly and weekly crawls (built by the scheduling issue)."""
