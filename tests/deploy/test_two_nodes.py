"""Issue 17, stateless web nodes: two gunicorn nodes behind nginx taking turns (round-robin,
no sticky sessions), sharing only PostgreSQL, Redis and an S3-compatible server on loopback;
each node, the worker and beat have their own local folder, as separate machines would.

A whole relationship journey is clicked across both: the mentee attaches a PDF on one node and
the mentor downloads it from the other, both sign the agreement, the worker seals it into the
object store, and either node hands the sealed PDF out.
"""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from deploy.topology import Topology
from tests.deploy.conftest import (
    open_agreement,
    seed_pair,
    sign_agreement,
    sign_in,
    wait_for_pdf,
    write_draft,
)

pytestmark = [pytest.mark.deploy, pytest.mark.pdf]

IDP = (
    b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
    b"2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"
)


@pytest.fixture(scope="module")
def topology(static_root):
    with Topology(nodes=2, s3=True, static_root=static_root) as started:
        print(f"started in {started.timings}")
        yield started


@pytest.fixture(autouse=True)
def _logs_on_failure(topology):
    yield
    print(topology.report())  # pytest shows it only when the test fails


def _nodes(topology) -> set[str]:
    return {f"127.0.0.1:{port}" for port in topology.node_ports}


def test_the_two_nodes_share_nothing_but_the_stores(topology):
    names = [service.name for service in topology.services]
    assert names == ["minio", "web1", "web2", "realtime", "worker", "beat", "nginx"]
    var_dirs = {service.env["VAR_DIR"] for service in topology.services if "VAR_DIR" in service.env}
    assert len(var_dirs) == 5  # web1, web2, realtime, worker, beat: no shared folder
    for service in topology.services[1:6]:
        assert service.env["S3_BUCKET"] and service.env["S3_ENDPOINT_URL"] == topology.s3_endpoint
    # Consecutive requests through nginx are answered by one node, then the other.
    answered = [topology.get("/accounts/login/")[1]["X-Upstream"] for _ in range(4)]
    assert set(answered) == _nodes(topology)
    assert answered[0] != answered[1]


def test_a_relationship_journey_across_both_nodes(topology, journey, tmp_path):
    seed = seed_pair(topology)
    served_by = []

    def note_node(response):
        node = response.headers.get("x-upstream")
        if node and response.request.resource_type == "document":
            served_by.append(node)

    mentee = journey.person()
    mentee.on("response", note_node)
    sign_in(mentee, seed["mentee"])

    # The mentee attaches an IDP on the first-meeting checklist (on whichever node answers).
    mentee.goto(f"/o/{seed['organization']}/mentorships/{seed['mentorship']}/")
    mentee.get_by_role("link", name="First-meeting checklist").click()
    idp = tmp_path / "idp.pdf"
    idp.write_bytes(IDP)
    form = mentee.locator("#document-form")
    form.get_by_label("Document").select_option(label="Individual Development Plan (IDP)")
    form.get_by_label("PDF, at most 5 MB").set_input_files(idp)
    with mentee.expect_response(lambda r: r.request.method == "POST") as posted:
        form.get_by_role("button", name="Attach").click()
    uploaded_on = posted.value.headers["x-upstream"]
    expect(mentee.get_by_role("link", name="Individual Development Plan (IDP)")).to_be_visible()

    # The mentor opens it: the browser download, then again until each node has served it.
    mentor = journey.person()
    mentor.on("response", note_node)
    sign_in(mentor, seed["mentor"])
    mentor.goto(f"/o/{seed['organization']}/mentorships/{seed['mentorship']}/")
    mentor.get_by_role("link", name="First-meeting checklist").click()
    link = mentor.get_by_role("link", name="Individual Development Plan (IDP)")
    with mentor.expect_download() as download_info:
        link.click()
    assert Path(download_info.value.path()).read_bytes() == IDP
    downloaded_on = set()
    for _ in range(4):
        response = mentor.request.get(link.get_attribute("href"))
        assert response.ok and response.body() == IDP
        downloaded_on.add(response.headers["x-upstream"])
    assert downloaded_on == _nodes(topology)
    assert downloaded_on - {uploaded_on}  # uploaded on one node, downloaded from the other

    # The agreement: drafted and signed by both, each page on whichever node answers.
    open_agreement(mentee, seed)
    write_draft(mentee)
    open_agreement(mentor, seed)
    sign_agreement(mentor, "Dana Whitfield")
    expect(mentor.get_by_role("alert")).to_contain_text("You signed")
    mentee.reload()
    sign_agreement(mentee, "Nia Mensah")
    expect(mentee.get_by_role("alert")).to_contain_text("Signed by both of you")

    # The worker (its own folder) seals the PDF into the object store; both nodes serve it.
    mentee.goto(f"/o/{seed['organization']}/mentorships/{seed['mentorship']}/agreement/")
    href = mentee.get_by_role("link", name="Download the signed PDF").first.get_attribute("href")
    sealed = wait_for_pdf(mentee, href)
    assert sealed.startswith(b"%PDF-")
    pdf_nodes = set()
    for _ in range(4):
        response = mentee.request.get(href)
        assert response.body() == sealed
        pdf_nodes.add(response.headers["x-upstream"])
    assert pdf_nodes == _nodes(topology)

    # No sticky sessions: each person's pages came from both nodes, in one session each.
    assert set(served_by) == _nodes(topology)
