"""What the backend's requests are, and how it checks the shape of their answers."""

from __future__ import annotations

from contextlib import contextmanager

from leadconf.backends.superoffice import codec as api
from leadconf.backends.superoffice import quirks
from leadconf.backends.superoffice.codec import ShapeError
from leadconf.errors import RemoteError

CATEGORY_SAVE = "/Agents/List/SaveCategoryEntity"
CATEGORY_GET = "/Agents/List/GetCategoryEntity"
AUTOMATION_GET = "/Agents/List/GetAllAutomatedCategoryUpdates"
AUTOMATION_SAVE = "/Agents/List/SaveAllAutomatedCategoryUpdates"
FLOW_GET = "/Agents/Workflow/GetEmailFlow"
STEP_GET = "/Agents/Workflow/GetWorkflowStep"
STEP_SAVE = "/Agents/Workflow/SaveWorkflowStep"
UTM_PATH = f"/Preference/{api.UTM_SECTION}/{api.UTM_KEY}/{quirks.PREFERENCE_LEVEL}"
ALL = {"includeDeleted": "true"}


@contextmanager
def shape_errors(item: str, method: str, path: str):
    """A JSON answer in the wrong shape becomes a RemoteError naming the item and the request."""
    try:
        yield
    except ShapeError as exc:
        raise RemoteError(f"unexpected answer: {exc}", method=method, path=path, item=item) from None


def expect_list(value, item, method, path) -> list:
    if not isinstance(value, list):
        raise RemoteError(f"unexpected answer: expected a JSON array, got {type(value).__name__}",
                          method=method, path=path, item=item)
    return value


def expect_dict(value, item, method, path) -> dict:
    if not isinstance(value, dict):
        raise RemoteError(f"unexpected answer: expected a JSON object, got {type(value).__name__}",
                          method=method, path=path, item=item)
    return value
