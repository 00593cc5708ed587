"""Responses that schemathesis found outside the OpenAPI schema, pinned one by one.

Each case: the documented media types of the 200 answer include the one served, and a JSON
answer has the documented top-level type (array or object).
"""

import pytest
from rest_framework.test import APIClient

from tests.reliability.matrix_probe import openapi_schema
from tests.reliability.world import routes

CASES = [
    ("downloads_api:review-file", {"name": "prisma.csv"}),
    ("downloads_api:review-file", {"name": "prisma.svg"}),
    ("downloads_api:review-file", {"name": "data.zip"}),
    ("downloads_api:analysis-file", {"name": "pooled.csv"}),
    ("downloads_api:analysis-file", {"name": "results.xlsx"}),
    ("downloads_api:analysis-file", {"name": "results.json"}),
    ("downloads_api:analysis-file", {"name": "forest.png"}),
    ("downloads_api:jobs", {}),
    ("api-agreement", {}),
    ("api-screening-agreement", {}),
]


def documented_200(schema: dict, path: str) -> dict:
    return schema["paths"][path]["get"]["responses"]["200"]["content"]


@pytest.mark.parametrize("name,overrides", CASES, ids=[f"{n}-{o.get('name', '')}" for n, o in CASES])
def test_the_answer_is_what_the_schema_documents(name, overrides, world, owner):
    route = next(r for r in routes() if r.name == name)
    world.by_route[name] = overrides
    client = APIClient()
    client.force_authenticate(owner)
    response = client.get(world.url(route))
    assert response.status_code == 200, response.content[:300]

    content = documented_200(openapi_schema(), route.openapi_path)
    served = response["Content-Type"].split(";")[0].strip()
    assert served in content, f"{served} is not among the documented {sorted(content)}"
    if served == "application/json" and "name" not in overrides:
        documented = content["application/json"]["schema"]
        if "$ref" in documented:
            documented = openapi_schema()["components"]["schemas"][documented["$ref"].rsplit("/", 1)[1]]
        body = response.json()
        actual = "array" if isinstance(body, list) else "object"
        assert documented.get("type") == actual
        items = documented.get("items", {})
        if "$ref" in items and body:
            component = openapi_schema()["components"]["schemas"][items["$ref"].rsplit("/", 1)[1]]
            assert set(component.get("required", [])) <= set(body[0]), (component, body[0])
