"""The permission matrix, generated: every route of the URL configuration × method × person.

Routes come from walking ``get_resolver()``; an API route's methods come from the OpenAPI
schema (a page is tried with GET and POST). Path parameters are filled with objects of one
review (tests/reliability/world.py). Each request carries an empty body and is rolled back.

Every (route, method) must appear in EXPECTED, one letter per person in the order
owner, reviewer, viewer, member of another review, anonymous:

    o  got through: 2xx, 3xx, or 400/409 for the empty body (the permission check passed)
    f  403, the role is too low (or, for a few reads, the review's state keeps it closed)
    n  404, the object is not the person's (another review's, another person's token or job)
    m  405, the method is not served
    l  sign in first: 302 to the sign-in page (pages), 401 (API)

A new route or method fails ``test_every_route_has_an_expectation`` until it is added here;
on top of the table, rules hold whatever it says: no route of a review answers anything but
404/405 to a member of another review, and none but the sign-in ones lets anonymous through.
"""

import pytest

from tests.reliability.matrix_probe import body_format, methods_of, openapi_schema, probe
from tests.reliability.world import ROLES, routes

EXPECTED = {
    ("home", "get"): "ooool",
    ("home", "post"): "ooool",
    ("login", "get"): "ooooo",
    ("login", "post"): "ooooo",
    ("logout", "get"): "mmmmm",
    ("logout", "post"): "lllll",
    ("api-tokens-page", "get"): "ooool",
    ("api-tokens-page", "post"): "ooool",
    ("api-token-revoke", "get"): "mmmml",
    ("api-token-revoke", "post"): "onnnl",
    ("reviews:create", "get"): "ooool",
    ("reviews:create", "post"): "ooool",
    ("reviews:detail", "get"): "ooonl",
    ("reviews:detail", "post"): "ooonl",
    ("reviews:settings", "get"): "offnl",
    ("reviews:settings", "post"): "offnl",
    ("reviews:members", "get"): "ooonl",
    ("reviews:members", "post"): "offnl",
    ("reviews:member_role", "get"): "mmmml",
    ("reviews:member_role", "post"): "offnl",
    ("reviews:member_remove", "get"): "mmmml",
    ("reviews:member_remove", "post"): "offnl",
    ("reviews:references", "get"): "ooonl",
    ("reviews:references", "post"): "ooonl",
    ("reviews:import_create", "get"): "mmmml",
    ("reviews:import_create", "post"): "oofnl",
    ("reviews:import_detail", "get"): "ooonl",
    ("reviews:import_detail", "post"): "ooonl",
    ("reviews:import_progress", "get"): "ooonl",
    ("reviews:import_progress", "post"): "ooonl",
    ("reviews:duplicates", "get"): "ooonl",
    ("reviews:duplicates", "post"): "ooonl",
    ("reviews:duplicate_confirm", "get"): "mmmml",
    ("reviews:duplicate_confirm", "post"): "oofnl",
    ("reviews:duplicate_reject", "get"): "mmmml",
    ("reviews:duplicate_reject", "post"): "oofnl",
    ("reviews:duplicate_unmerge", "get"): "mmmml",
    ("reviews:duplicate_unmerge", "post"): "oofnl",
    ("reviews:screening", "get"): "oofnl",
    ("reviews:screening", "post"): "mmmml",
    ("reviews:screening_conflicts", "get"): "offnl",
    ("reviews:screening_conflicts", "post"): "mmmml",
    ("reviews:screening_adjudicate", "get"): "mmmml",
    ("reviews:screening_adjudicate", "post"): "offnl",
    ("reviews:screening_reasons", "get"): "offnl",
    ("reviews:screening_reasons", "post"): "offnl",
    ("reviews:screening_reasons_defaults", "get"): "mmmml",
    ("reviews:screening_reasons_defaults", "post"): "offnl",
    ("reviews:screening_reason_edit", "get"): "mmmml",
    ("reviews:screening_reason_edit", "post"): "offnl",
    ("reviews:screening_terms", "get"): "offnl",
    ("reviews:screening_terms", "post"): "offnl",
    ("reviews:screening_agreement", "get"): "offnl",
    ("reviews:screening_agreement", "post"): "mmmml",
    ("reviews:screening_stage", "get"): "oofnl",
    ("reviews:screening_stage", "post"): "mmmml",
    ("reviews:screening_card", "get"): "oofnl",
    ("reviews:screening_card", "post"): "mmmml",
    ("reviews:screening_decide", "get"): "mmmml",
    ("reviews:screening_decide", "post"): "oofnl",
    ("reviews:screening_undo", "get"): "mmmml",
    ("reviews:screening_undo", "post"): "oofnl",
    ("reviews:prisma", "get"): "ooonl",
    ("reviews:prisma", "post"): "mmmml",
    ("reviews:prisma_live", "get"): "ooonl",
    ("reviews:prisma_live", "post"): "mmmml",
    ("reviews:prisma_manual_counts", "get"): "mmmml",
    ("reviews:prisma_manual_counts", "post"): "offnl",
    ("reviews:prisma_download", "get"): "ooonl",
    ("reviews:prisma_download", "post"): "mmmml",
    ("extraction:studies", "get"): "ooonl",
    ("extraction:studies", "post"): "ooonl",
    ("extraction:studies_sync", "get"): "mmmml",
    ("extraction:studies_sync", "post"): "oofnl",
    ("extraction:study_add", "get"): "mmmml",
    ("extraction:study_add", "post"): "oofnl",
    ("extraction:form", "get"): "ooonl",
    ("extraction:form", "post"): "ooonl",
    ("extraction:form_change", "get"): "mmmml",
    ("extraction:form_change", "post"): "offnl",
    ("extraction:study", "get"): "ooonl",
    ("extraction:study", "post"): "ooonl",
    ("extraction:study_start", "get"): "mmmml",
    ("extraction:study_start", "post"): "oofnl",
    ("extraction:study_add_arm", "get"): "mmmml",
    ("extraction:study_add_arm", "post"): "oofnl",
    ("extraction:study_update_arm", "get"): "mmmml",
    ("extraction:study_update_arm", "post"): "oofnl",
    ("extraction:study_delete_arm", "get"): "mmmml",
    ("extraction:study_delete_arm", "post"): "oofnl",
    ("extraction:study_add_comparison", "get"): "mmmml",
    ("extraction:study_add_comparison", "post"): "oofnl",
    ("extraction:study_link_record", "get"): "mmmml",
    ("extraction:study_link_record", "post"): "oofnl",
    ("extraction:study_complete", "get"): "mmmml",
    ("extraction:study_complete", "post"): "oofnl",
    ("extraction:study_reopen", "get"): "mmmml",
    ("extraction:study_reopen", "post"): "oofnl",
    ("extraction:study_upload_ipd", "get"): "mmmml",
    ("extraction:study_upload_ipd", "post"): "oofnl",
    ("extraction:study_delete", "get"): "mmmml",
    ("extraction:study_delete", "post"): "offnl",
    ("extraction:consensus", "get"): "ooonl",
    ("extraction:consensus", "post"): "ooonl",
    ("extraction:consensus_start", "get"): "mmmml",
    ("extraction:consensus_start", "post"): "oofnl",
    ("extraction:history", "get"): "ooonl",
    ("extraction:history", "post"): "ooonl",
    ("analysis:list", "get"): "ooonl",
    ("analysis:list", "post"): "mmmml",
    ("analysis:table", "get"): "ooonl",
    ("analysis:table", "post"): "mmmml",
    ("analysis:add", "get"): "offnl",
    ("analysis:add", "post"): "offnl",
    ("analysis:defaults", "get"): "mmmml",
    ("analysis:defaults", "post"): "offnl",
    ("analysis:detail", "get"): "ooonl",
    ("analysis:detail", "post"): "mmmml",
    ("analysis:status", "get"): "ooonl",
    ("analysis:status", "post"): "mmmml",
    ("analysis:change", "get"): "offnl",
    ("analysis:change", "post"): "offnl",
    ("analysis:remove", "get"): "mmmml",
    ("analysis:remove", "post"): "offnl",
    ("downloads:index", "get"): "ooonl",
    ("downloads:index", "post"): "mmmml",
    ("downloads:job-start", "get"): "mmmml",
    ("downloads:job-start", "post"): "ooonl",
    ("downloads:job", "get"): "onnnl",
    ("downloads:job", "post"): "mmmml",
    ("downloads:job-file", "get"): "onnnl",
    ("downloads:job-file", "post"): "mmmml",
    ("downloads:analysis-file", "get"): "ooonl",
    ("downloads:analysis-file", "post"): "mmmml",
    ("downloads:review-file", "get"): "ooonl",
    ("downloads:review-file", "post"): "mmmml",
    ("status", "get"): "ooool",
    ("status", "post"): "ooool",
    ("status-ping", "get"): "mmmml",
    ("status-ping", "post"): "ooool",
    ("status-ping-detail", "get"): "onnnl",
    ("status-ping-detail", "post"): "onnnl",
    ("api-reviews", "get"): "ooool",
    ("api-reviews", "post"): "ooool",
    ("api-review", "get"): "ooonl",
    ("api-review", "patch"): "offnl",
    ("api-members", "get"): "ooonl",
    ("api-members", "post"): "offnl",
    ("api-member", "patch"): "offnl",
    ("api-member", "delete"): "offnl",
    ("api-imports", "get"): "ooonl",
    ("api-imports", "post"): "oofnl",
    ("api-import", "get"): "ooonl",
    ("api-records", "get"): "ooonl",
    ("api-duplicates", "get"): "ooonl",
    ("api-duplicate-confirm", "post"): "oofnl",
    ("api-duplicate-reject", "post"): "oofnl",
    ("api-duplicate-unmerge", "post"): "oofnl",
    ("api-screening-conflicts", "get"): "offnl",
    ("api-screening-adjudication", "post"): "offnl",
    ("api-exclusion-reasons", "get"): "oofnl",
    ("api-exclusion-reasons", "post"): "offnl",
    ("api-exclusion-reasons-defaults", "post"): "offnl",
    ("api-exclusion-reason", "patch"): "offnl",
    ("api-screening-agreement", "get"): "offnl",
    ("api-screening-terms", "get"): "oofnl",
    ("api-screening-terms", "put"): "offnl",
    ("api-screening-next", "get"): "oofnl",
    ("api-screening-decisions", "post"): "oofnl",
    ("api-screening-undo", "post"): "oofnl",
    ("api-screening-progress", "get"): "oofnl",
    ("api-prisma", "get"): "ooonl",
    ("api-prisma-manual-counts", "get"): "ooonl",
    ("api-prisma-manual-counts", "put"): "offnl",
    ("api-extraction-fields", "get"): "ooonl",
    ("api-extraction-fields", "post"): "offnl",
    ("api-extraction-field", "delete"): "offnl",
    ("api-agreement", "get"): "ooonl",
    ("api-outcomes", "get"): "ooonl",
    ("api-outcomes", "post"): "offnl",
    ("api-outcome", "delete"): "offnl",
    ("api-outcome-analysis-input", "get"): "ooonl",
    ("api-studies", "get"): "ooonl",
    ("api-studies", "post"): "oofnl",
    ("api-studies-sync", "post"): "oofnl",
    ("api-study", "get"): "ooonl",
    ("api-study", "patch"): "oofnl",
    ("api-study", "delete"): "offnl",
    ("api-study-records", "post"): "oofnl",
    ("api-arms", "post"): "oofnl",
    ("api-arm", "patch"): "oofnl",
    ("api-arm", "delete"): "oofnl",
    ("api-comparisons", "post"): "oofnl",
    ("api-comparison", "delete"): "oofnl",
    ("api-extractions", "get"): "ooonl",
    ("api-extractions", "post"): "oofnl",
    ("api-extraction", "get"): "ooonl",
    ("api-extraction-values", "post"): "oofnl",
    ("api-extraction-complete", "post"): "oofnl",
    ("api-extraction-reopen", "post"): "oofnl",
    ("api-study-comparison", "get"): "fffnl",
    ("api-consensus", "post"): "oofnl",
    ("api-study-history", "get"): "ooonl",
    ("api-ipd", "get"): "ooonl",
    ("api-ipd", "post"): "oofnl",
    ("api-ipd", "delete"): "oofnl",
    ("api-analyses", "get"): "ooonl",
    ("api-analyses", "post"): "offnl",
    ("api-analysis", "get"): "ooonl",
    ("api-analysis", "patch"): "offnl",
    ("api-analysis", "delete"): "offnl",
    ("api-analysis-result", "get"): "ooonl",
    ("api-analysis-status", "get"): "ooonl",
    ("downloads_api:list", "get"): "ooonl",
    ("downloads_api:jobs", "get"): "ooonl",
    ("downloads_api:jobs", "post"): "ooonl",
    ("downloads_api:job", "get"): "onnnl",
    ("downloads_api:job-file", "get"): "onnnl",
    ("downloads_api:analysis-file", "get"): "ooonl",
    ("downloads_api:review-file", "get"): "ooonl",
    ("api-token", "post"): "ooooo",
    ("api-tokens", "get"): "ooool",
    ("api-token-detail", "delete"): "onnnl",
    ("api-worker-pings", "post"): "ooool",
    ("api-worker-ping", "get"): "onnnl",
    ("api-schema", "get"): "ooool",
    ("api-schema", "post"): "mmmml",
    ("api-docs", "get"): "ooool",
    ("api-docs", "post"): "mmmml",
}

# Reachable without signing in, by design.
PUBLIC = {("login", "get"), ("login", "post"), ("api-token", "post"), ("logout", "post")}
# Objects that belong to one person, not to a review: the world holds the owner's.
PERSONAL_PARAMETERS = {"token_id", "ping_id", "job_id"}
UNDOCUMENTED = ["get", "post", "put", "patch", "delete"]


def combinations():
    schema = openapi_schema()
    return schema, [(route, method) for route in routes() for method in methods_of(route, schema)]


def test_every_route_has_an_expectation():
    _, found = combinations()
    keys = {(route.name, method) for route, method in found}
    missing = sorted(keys - EXPECTED.keys())
    stale = sorted(EXPECTED.keys() - keys)
    assert not missing, f"routes/methods without an expectation in EXPECTED: {missing}"
    assert not stale, f"EXPECTED names routes/methods that no longer exist: {stale}"


@pytest.mark.parametrize("index,role", list(enumerate(ROLES)))
def test_permission_matrix(request, index, role, world):
    schema, found = combinations()
    wrong, broken_rules, checked = [], [], 0
    for route, method in found:
        got = probe(world, role, route, method, body_format(route, method, schema))
        checked += 1
        expected = EXPECTED.get((route.name, method), "?????")[index]
        if got != expected:
            wrong.append(f"{route.name} {method.upper()}: expected {expected}, got {got}")
        if role == "outsider" and "review_id" in route.parameters and got not in "nm":
            broken_rules.append(f"{route.name} {method.upper()}: another review's member got {got}")
        if role == "anonymous" and (route.name, method) not in PUBLIC and got not in "lm":
            broken_rules.append(f"{route.name} {method.upper()}: anonymous got {got}")
        if role != "owner" and PERSONAL_PARAMETERS & set(route.parameters) and got not in "lnm":
            broken_rules.append(f"{route.name} {method.upper()}: {role} reached the owner's own object")

    if role == "owner":
        # The schema is the API's contract: a method it does not list is not served.
        for route in routes():
            operations = schema["paths"].get(route.openapi_path)
            if not route.is_api or operations is None:
                continue
            for method in UNDOCUMENTED:
                if method not in operations:
                    got = probe(world, role, route, method)
                    checked += 1
                    if got != "m":
                        wrong.append(f"{route.name} {method.upper()} is not in the schema but answered {got}")

    request.node.user_properties.append(("figure", f"permission matrix ({role}): {checked} requests"))
    print(f"\npermission matrix as {role}: {checked} route × method combinations checked")
    assert not broken_rules, "\n".join(broken_rules)
    assert not wrong, "\n".join(wrong)
