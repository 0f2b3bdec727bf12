"""The published schema: current, valid 2020-12, and as strict as the models; its messages."""

from __future__ import annotations

import copy
import json
import os
import stat

import pytest
from jsonschema import Draft202012Validator
from pydantic import ValidationError

from leadconf.config import schema as schema_mod
from leadconf.config.loader import load_config
from leadconf.config.models import Config
from tests.config.util import errors_of, located, validate
from tests.helpers import ROOT, run_cli

COMMITTED = os.path.join(ROOT, "schemas", "leadconf.schema.json")


def test_committed_schema_is_current():
    with open(COMMITTED, encoding="utf-8") as fh:
        text = fh.read()
    assert text == schema_mod.schema_text(), "run: leadconf schema -o schemas/leadconf.schema.json"


def test_the_packaged_schema_is_the_same():
    """The copy in the package is what validation's happy path reads (config/fastpath.py)."""
    from leadconf.config.fastpath import SCHEMA_FILE

    with open(SCHEMA_FILE, encoding="utf-8") as fh:
        text = fh.read()
    assert text == schema_mod.schema_text(), "run: leadconf schema -o leadconf/config/leadconf.schema.json"


def test_schema_is_valid_2020_12_and_labelled():
    schema = schema_mod.build_schema()
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == "https://leadconf.dev/schemas/leadconf.schema.json"
    assert schema["title"] and schema["description"]
    assert list(schema)[:4] == ["$schema", "$id", "title", "description"]
    assert '"default": null' not in schema_mod.schema_text()


def test_schema_command_prints_it():
    code, out, err = run_cli("schema")
    assert (code, err) == (0, "")
    assert out == schema_mod.schema_text()


def test_schema_command_writes_atomically(tmp_path):
    target = tmp_path / "out.schema.json"
    code, _out, _err = run_cli("schema", "-o", str(target))
    assert code == 0
    assert target.read_text(encoding="utf-8") == schema_mod.schema_text()
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert os.listdir(tmp_path) == ["out.schema.json"]  # no temporary file left behind
    target.chmod(0o600)
    run_cli("schema", "-o", str(target))
    assert stat.S_IMODE(target.stat().st_mode) == 0o600  # an existing file keeps its mode


# -- the schema rejects what the models reject ----------------------------------------------------

VALID = {
    "version": 1,
    "target": "snapshot:t.json",
    "policy": {"max_change_percent": 30, "min_list_size": 10},
    "company_categories": {
        "prune": False,
        "items": [{
            "name": "Lead", "group": "potential_customer", "lead_status": True, "description": "",
            "visible_for": [], "headings": ["Leads"], "renamed_from": ["Old"], "deleted": False,
        }],
    },
    "lead_statuses": {"prune": True, "items": [{"name": "Open", "description": "d", "renamed_from": "Start"}]},
    "category_automation": {
        "sale_sold": {"enabled": True, "category": "Lead", "confirm": False},
        "lead_status_changed": {"category": "Lead", "lead_status": "Open"},
    },
    "marketing": {
        "utm_tracking": True,
        "lead_distribution": {"flow": "F", "associates": ["A"], "user_groups": [], "only_unassigned": True, "fallback": "A"},
    },
}


def _set(doc, path, value):
    doc = copy.deepcopy(doc)
    node = doc
    for part in path[:-1]:
        node = node[part]
    if value is _DELETE:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return doc


_DELETE = object()
CAT = ("company_categories", "items", 0)
STATUS = ("lead_statuses", "items", 0)

# (path, value): each makes the document invalid for the models.
INVALID = [
    (("version",), 2),
    (("version",), "1"),
    (("version",), _DELETE),
    (("target",), ""),
    (("target",), 5),
    (("colour",), "red"),
    (("policy", "max_change_percent"), 101),
    (("policy", "max_change_percent"), -1),
    (("policy", "min_list_size"), -1),
    (("policy", "min_list_size"), "10"),
    (("company_categories", "prune"), "yes"),
    (("company_categories", "prune"), None),  # not optional in the model: null is refused
    (("company_categories", "items"), {"name": "x"}),
    (CAT + ("name",), ""),
    (CAT + ("name",), "x" * 240),
    (CAT + ("name",), "Tab\there"),
    (CAT + ("name",), "Trailing newline\n"),
    (CAT + ("name",), "nul\x00"),
    (CAT + ("name",), 123),
    (CAT + ("name",), None),
    (CAT + ("name",), _DELETE),
    (CAT + ("group",), "potential_customers"),
    (CAT + ("lead_status",), "true"),
    (CAT + ("description",), "x" * 255),
    (CAT + ("visible_for",), "Sales"),
    (CAT + ("visible_for",), [""]),
    (CAT + ("headings",), [1]),
    (CAT + ("renamed_from",), 1),
    (CAT + ("renamed_from",), [1]),
    (CAT + ("renamed_from",), ""),
    (CAT + ("deleted",), None),
    (CAT + ("colour",), "red"),
    (STATUS + ("group",), "potential_customer"),
    (STATUS + ("headings",), []),
    (STATUS + ("visible_for",), []),
    (STATUS + ("lead_status",), True),
    (STATUS + ("name",), "x" * 4001),
    (("category_automation", "sale_won"), {}),
    (("category_automation", "sale_sold", "lead_status"), "Open"),
    (("category_automation", "sale_sold", "enabled"), "on"),
    (("category_automation", "lead_status_changed", "lead_status"), ""),
    (("marketing", "lead_distribution", "flow"), _DELETE),
    (("marketing", "lead_distribution", "associates"), [None]),
    (("marketing", "lead_distribution", "only_unassigned"), 1),
    (("marketing", "utm"), True),
]


def _model_accepts(doc) -> bool:
    try:
        Config.model_validate(doc)
        return True
    except ValidationError:
        return False


def test_valid_document_passes_both():
    assert _model_accepts(VALID)
    assert list(schema_mod.validator().iter_errors(VALID)) == []


@pytest.mark.parametrize("path, value", INVALID, ids=lambda x: repr(x)[:40])
def test_schema_rejects_what_the_models_reject(path, value):
    doc = _set(VALID, path, value)
    assert not _model_accepts(doc)
    assert list(schema_mod.validator().iter_errors(doc)), "the schema lets through what the models refuse"
    # So does a stock validator reading the committed file, except for Python's `$` trap (below).
    if value != "Trailing newline\n":
        with open(COMMITTED, encoding="utf-8") as fh:
            assert not Draft202012Validator(json.load(fh)).is_valid(doc)


# The models accept these, the schema does not; leadconf goes by the schema (loader test below).
LAXER_MODELS = [
    (("version",), True),  # Literal[1] compares True == 1
    (CAT + ("group",), None),  # an optional field given null: the model reads "not written"
    (CAT + ("description",), None),
    (("marketing", "utm_tracking"), None),
    (("category_automation", "sale_sold"), None),
]


@pytest.mark.parametrize("path, value", LAXER_MODELS, ids=lambda x: repr(x)[:40])
def test_where_the_models_are_laxer_the_schema_decides(path, value):
    doc = _set(VALID, path, value)
    assert _model_accepts(doc)
    assert schema_mod._laxer_than_schema(doc)  # so validate() asks the schema
    assert not schema_mod.validator().is_valid(doc)


def test_explicit_null_is_an_error(write):
    path = write("c.yaml", "version: 1\ncompany_categories:\n  items:\n    - name: Lead\n      description:\n")
    diags = errors_of(path)
    assert located(diags) == [("c.yaml", 5, 19, "LC010")]
    assert diags[0].message == "company_categories.items[0].description: expected a string, got nothing (an empty value)"


def test_python_dollar_trap_is_handled():
    # Python's `$` matches before a final newline; ECMA-262's (the schema's dialect) does not.
    doc = _set(VALID, CAT + ("name",), "Lead\n")
    assert Draft202012Validator(schema_mod.build_schema()).is_valid(doc)  # plain jsonschema: wrong
    assert not schema_mod.validator().is_valid(doc)  # ours: right


def test_only_known_difference_an_integral_float(write):
    # JSON Schema calls 5.0 an integer; the strict model does not. The loader reports it anyway.
    doc = _set(VALID, ("policy", "min_list_size"), 5.0)
    assert schema_mod.validator().is_valid(doc) and not _model_accepts(doc)
    path = write("c.yaml", "version: 1\npolicy:\n  min_list_size: 5.0\n")
    diags = errors_of(path)
    assert located(diags) == [("c.yaml", 3, 18, "LC010")]
    assert diags[0].message.startswith("policy.min_list_size: ")


# -- messages -------------------------------------------------------------------------------------

def test_wrong_type(write):
    path = write("c.yaml", "version: 1\ncompany_categories:\n  items:\n    - name: 2024\n")
    diags = errors_of(path)
    assert located(diags) == [("c.yaml", 4, 13, "LC010")]
    assert diags[0].message == (
        "company_categories.items[0].name: expected a string, got the number 2024; put the value in quotes")


def test_unknown_key_points_at_the_key(write):
    path = write("c.yaml", "version: 1\ncompany_categories:\n  items:\n    - name: Lead\n      descripton: x\n")
    diags = errors_of(path)
    assert located(diags) == [("c.yaml", 5, 7, "LC010")]
    assert diags[0].message == "company_categories.items[0]: unknown key 'descripton'; did you mean 'description'?"


def test_unknown_top_level_key_lists_the_allowed_ones(write):
    path = write("c.yaml", "version: 1\nstatuses: {}\n")
    diags = errors_of(path)
    assert located(diags) == [("c.yaml", 2, 1, "LC010")]
    assert "unknown key 'statuses'" in diags[0].message and "lead_statuses" in diags[0].message


def test_lead_status_with_group(write):
    path = write("c.yaml", """
        version: 1
        lead_statuses:
          items:
            - name: Open
            - name: Contacting
            - name: Qualified
              group: potential_customer
        """)
    diags = errors_of(path)
    assert located(diags) == [("c.yaml", 7, 7, "LC010")]
    assert diags[0].message == (
        "lead_statuses.items[2]: unknown key 'group' (lead statuses have no groups, headings or visibility "
        "in SuperOffice)")


def test_too_long_name(write):
    path = write("c.yaml", f"version: 1\ncompany_categories:\n  items:\n    - name: {'x' * 240}\n")
    diags = errors_of(path)
    assert located(diags) == [("c.yaml", 4, 13, "LC010")]
    assert diags[0].message == "company_categories.items[0].name: is 240 characters long; SuperOffice stores at most 239"


def test_missing_required_key_and_bad_enum(write):
    path = write("c.yaml", """
        company_categories:
          items:
            - group: potentialcustomer
        """)
    diags = errors_of(path)
    assert located(diags) == [("c.yaml", 1, 1, "LC010"), ("c.yaml", 3, 7, "LC010"), ("c.yaml", 3, 14, "LC010")]
    assert [d.message for d in diags] == [
        "missing required key 'version' (add version: 1)",
        "company_categories.items[0]: missing required key 'name'",
        ("company_categories.items[0].group: the string 'potentialcustomer' is not one of customer, "
         "potential_customer, partner, lost, other, none; did you mean 'potential_customer'?"),
    ]


def test_renamed_from_list_reports_the_bad_element(write):
    path = write("c.yaml", "version: 1\nlead_statuses:\n  items:\n    - name: Open\n      renamed_from: [Start, 7]\n")
    diags = errors_of(path)
    assert located(diags) == [("c.yaml", 5, 29, "LC010")]
    assert diags[0].message.startswith("lead_statuses.items[0].renamed_from[1]: expected a string")


def test_control_character_in_a_name(write):
    path = write("c.yaml", 'version: 1\nlead_statuses:\n  items:\n    - name: "Open\\n"\n')
    diags = errors_of(path)
    assert located(diags) == [("c.yaml", 4, 13, "LC010")]
    assert "a line break" in diags[0].message


def test_every_schema_error_at_once(write):
    path = write("c.yaml", """
        version: 2
        lead_statuses:
          prune: 1
          items:
            - name: ""
              colour: red
        """)
    assert located(errors_of(path)) == [
        ("c.yaml", 1, 10, "LC010"), ("c.yaml", 3, 10, "LC010"), ("c.yaml", 5, 13, "LC010"), ("c.yaml", 6, 7, "LC010"),
    ]


def test_json_output_of_schema_errors(write):
    path = write("c.yaml", "version: 1\nlead_statuses:\n  items:\n    - name: Open\n      headings: [x]\n")
    code, out, err = validate("-c", path, "--output", "json")
    assert code == 1 and err == ""
    assert json.loads(out)["findings"] == [{
        "file": path, "line": 5, "column": 7, "rule": "LC010", "severity": "error",
        "message": "lead_statuses.items[0]: unknown key 'headings' (lead statuses have no groups, headings or "
                   "visibility in SuperOffice)",
    }]


def test_config_loads_typed(write):
    path = write("c.yaml", "version: 1\npolicy:\n  max_change_percent: 12.5\n")
    assert load_config([path], env={}).config.policy.max_change_percent == 12.5
