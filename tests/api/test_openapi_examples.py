"""Every API operation that takes a body shows a worked example in the OpenAPI document, and
each example is one the operation accepts: valid against its schema (bounds, enums, required
fields, no unknown fields)."""

import jsonschema
import pytest

from safeguard.api.api import EXAMPLES, api


@pytest.fixture(scope="module")
def document():
    return api.get_openapi_schema()


def body_operations(document):
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body is not None:
                yield f"{method.upper()} {path}", body


def test_every_operation_with_a_body_has_an_example(document):
    missing = [key for key, body in body_operations(document) if "example" not in body]
    assert missing == []


def test_every_example_belongs_to_an_operation(document):
    assert set(EXAMPLES) - {key for key, _ in body_operations(document)} == set()


def test_every_example_is_valid_against_its_schema(document):
    for key, body in body_operations(document):
        schema = {**body["schema"], "components": document["components"]}
        errors = list(jsonschema.Draft202012Validator(schema).iter_errors(body["example"]))
        assert errors == [], key


def test_an_invalid_example_would_be_caught(document):
    _, body = next(body_operations(document))
    schema = {**body["schema"], "components": document["components"]}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(
            {**body["example"], "not_a_field": 1}, schema, cls=jsonschema.Draft202012Validator
        )
