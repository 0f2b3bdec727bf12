"""Shared by the reliability tests."""

import json

# A child process that runs `leadconf ARGS` and SIGKILLs itself right after the backend's Nth write
# (KILL_AFTER_WRITES): an apply cut off between two writes, as a crash or a CI timeout would.
KILLER = """
import os, signal, sys
from {module} import {cls} as Backend
limit = int(os.environ["KILL_AFTER_WRITES"])
real = Backend.write
count = 0
def write(self, kind, item):
    global count
    result = real(self, kind, item)
    count += 1
    if count >= limit:
        os.kill(os.getpid(), signal.SIGKILL)
    return result
Backend.write = write
from leadconf.cli import main
main(sys.argv[1:])
"""


def killer(module: str, cls: str) -> str:
    return KILLER.format(module=module, cls=cls)

def as_before(original: dict, now: dict) -> list[str]:
    """What differs between the tenant before the apply and after its undo: every item that was
    there is as it was (order included), and an item the apply created now exists deleted."""
    problems = []
    for section, key in (("categories", "CategoryId"), ("lead_statuses", "Id")):
        was = {i[key]: i for i in original[section]}
        for item in now[section]:
            if item[key] in was:
                if item != was[item[key]]:
                    problems.append(f"{section}: {was[item[key]]} -> {item}")
            elif not item["Deleted"]:
                problems.append(f"{section}: {item['Name']} was created and is still live")
    for section in ("category_user_groups", "category_headings"):  # a created category's own links aside
        if any(now[section].get(k) != v for k, v in original[section].items()):
            problems.append(f"{section} differs")
    for section in ("preferences", "flows"):
        if original.get(section) != now.get(section):
            problems.append(f"{section} differs")
    rules = {json.dumps(r, sort_keys=True) for r in original["category_automation"]}
    for rule in now["category_automation"]:  # a rule the apply added is switched off
        if json.dumps(rule, sort_keys=True) not in rules and rule.get("Enabled", rule.get("IsActive")) is not False:
            problems.append(f"category automation: {rule} is still on")
    return problems
