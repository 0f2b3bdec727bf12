"""What the backend's requests are, and how it checks the shape of their answers."""

from __future__ import annotations

from collections.abc import Iterator
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
UTM_PATH = f"/Preference/{api.UTM_SECTION}/{api.UTM_KEY}"  # the value closest to the user, and its Level
UTM_WRITE_PATH = f"{UTM_PATH}/{quirks.PREFERENCE_LEVEL}"
ASSOCIATES_GET = "/Agents/Associate/GetAssociateList"
FLOW_LIST = "/MDOList/emailflow"
UTM_LABEL = "UTM tracking (preference Mailing/EnableUTMSaving)"
ALL = {"includeDeleted": "true"}


@contextmanager
def shape_errors(item: str, method: str, path: str) -> Iterator[None]:
    """A JSON answer in the wrong shape becomes a RemoteError naming the item and the request."""
    try:
        yield
    except ShapeError as exc:
        raise RemoteError(f"unexpected answer: {exc}", method=method, path=path, item=item) from None


def expect_list(value: object, item: str, method: str, path: str) -> list:
    if not isinstance(value, list):
        raise RemoteError(f"unexpected answer: expected a JSON array, got {type(value).__name__}",
                          method=method, path=path, item=item)
    return value


def expect_dict(value: object, item: str, method: str, path: str) -> dict:
    if not isinstance(value, dict):
        raise RemoteError(f"unexpected answer: expected a JSON object, got {type(value).__name__}",
                          method=method, path=path, item=item)
    return value


def utm_level_path(level: str) -> str:
    return f"{UTM_PATH}/{level}"


def licence_refusal(exc: RemoteError) -> bool:
    """Whether an error answer is a licence error (U11)."""
    return quirks.is_licence_error(exc.error_type, exc.message)
