"""`python -m replica serve …`: the process `replica.process.start_replica` spawns."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m replica", description="Offline replica of the agencies' sites."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the replica over HTTP (use it as an HTTP proxy)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8800)
    serve.add_argument("--state", type=Path, default=Path("data/replica"), help="state directory")
    serve.add_argument("--docs", type=int, default=300, help="generated documents per site")
    serve.add_argument("--seed", type=int, default=1)
    serve.add_argument("--noise", action="store_true", help="vary volatile page parts on every fetch")
    serve.add_argument("--as-of", help="simulated time: ISO 8601 moment (naive = China time)")
    serve.add_argument("--fleet", type=int, default=0, help="generated agencies beside the real sites")
    serve.add_argument("--sites-dir", type=Path, help="write the fleet's crawler declarations here")
    serve.add_argument("--request-log", type=Path, help="append `time host path` per request")
    args = parser.parse_args(argv)
    if args.docs < 0 or args.fleet < 0 or not 0 <= args.port <= 65535:
        parser.error("--docs and --fleet must be >= 0 and --port within 0..65535")
    from twisted.internet.error import CannotListenError

    from archive.clock import parse_moment
    from replica.server import run

    try:
        run(
            host=args.host,
            port=args.port,
            state_dir=args.state,
            docs=args.docs,
            seed=args.seed,
            noise=args.noise,
            as_of=parse_moment(args.as_of) if args.as_of else None,
            fleet=args.fleet,
            sites_dir=args.sites_dir,
            request_log=args.request_log,
        )
    except (OSError, CannotListenError) as error:  # e.g. the port is taken
        print(f"replica: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
