"""Start the emulator by hand: python -m tests.emulator --snapshot examples/tenants/new-database.json --port 8080"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading

from tests.emulator import DEFAULT_ACCESS_TOKEN, DEFAULT_APP_TOKEN, DEFAULT_CLIENT, DEFAULT_TICKET, DEFAULT_USER, Emulator
from tests.emulator.state import VARIANTS


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.emulator", description="A SuperOffice Web API emulator on 127.0.0.1.")
    parser.add_argument("--snapshot", required=True, help="a leadconf snapshot document to seed the tenant from")
    parser.add_argument("--port", type=int, default=0, help="the port (default: any free one)")
    parser.add_argument("--tenant", help="the tenant id (default: the snapshot's ContextIdentifier, else Cust12345)")
    parser.add_argument("--groups-and-headings", choices=("auto", "on", "off"), default="auto",
                        help="UseGroupsAndHeadings of the Category list (auto: on when the snapshot has links)")
    parser.add_argument("--no-automation", action="store_true", help="behave like 11.6: no category automation endpoints")
    parser.add_argument("--variant", action="append", default=[], choices=VARIANTS,
                        help="answer differently from the reference in this way (repeatable), to see `leadconf doctor` "
                             "report it")
    args = parser.parse_args(argv)
    with open(args.snapshot, encoding="utf-8") as fh:
        document = json.load(fh)
    links = {"auto": None, "on": True, "off": False}[args.groups_and_headings]
    emu = Emulator(document, port=args.port, tenant=args.tenant, groups_and_headings=links, automation=not args.no_automation,
                   variants=frozenset(args.variant))
    emu.start()
    out = sys.stdout
    out.write(f"SuperOffice emulator for {emu.tenant} at {emu.base_url}/api/v1\n\n")
    out.write(f"  export SUPEROFFICE_TICKET='{DEFAULT_TICKET}'\n")
    out.write(f"  export SUPEROFFICE_APP_TOKEN='{DEFAULT_APP_TOKEN}'\n")
    out.write(f"  (or SUPEROFFICE_ACCESS_TOKEN='{DEFAULT_ACCESS_TOKEN}', or SUPEROFFICE_USERNAME={DEFAULT_USER[0]} "
              f"SUPEROFFICE_PASSWORD='{DEFAULT_USER[1]}')\n")
    out.write(f"  leadconf plan --target {emu.target}\n\n")
    out.write("Or sign in as a user (`leadconf login`, with no SUPEROFFICE_* variables set), then plan with the saved "
              "login:\n\n")
    out.write(f"  leadconf login --target {emu.target} --client-id {DEFAULT_CLIENT[0]} --no-browser\n")
    out.write(f"  leadconf plan --target {emu.target}\n\n")
    out.write("  (open the URL it prints in a browser on this machine: the emulator signs you in at once)\n\n")
    out.write("Ctrl-C to stop.\n")
    out.flush()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        emu.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
