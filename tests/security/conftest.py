"""The world the security tests visit: two organisations, six kinds of visitor, and
something of learner A's of every kind a URL can name."""

from __future__ import annotations

import io

import pytest

from courseapp.accounts.models import JobRole, Role
from courseapp.accounts.services import make_email_change_link, make_password_link
from courseapp.assessment import attempts
from courseapp.assessment.models import Certificate, Phase
from courseapp.catalogue import course
from courseapp.cohorts import imports
from courseapp.cohorts.services import create_cohort, enrol_in_cohort
from courseapp.extensions import db
from courseapp.jobs import files, queue
from courseapp.mail import unsubscribe_token
from courseapp.rewording import services as rewording
from courseapp.sso.encryption import encrypt
from courseapp.sso.models import Connection, Domain
from tests.security.access import World


@pytest.fixture
def world(app, make_org, make_user) -> World:
    org_x, org_y = make_org(teams=("Duty",)), make_org()
    pathway = course().pathways["core"]
    users = {
        "learner_a": make_user(organisation=org_x),
        "learner_b": make_user(organisation=org_x),
        "coordinator_x": make_user(role=Role.COORDINATOR, organisation=org_x, covers=(org_x,)),
        "coordinator_y": make_user(role=Role.COORDINATOR, organisation=org_y, covers=(org_y,)),
        "admin": make_user(role=Role.ADMIN),
    }
    learner = users["learner_a"]
    cohort = create_cohort(org_x, "Autumn", "core")
    for person in (users["learner_b"], learner):
        enrol_in_cohort(person, cohort, pathway)
        pre = attempts.start_or_resume(person, pathway, Phase.PRE)
        attempts.submit(pre, pathway.definition.pass_mark)
    post = attempts.start_or_resume(learner, pathway, Phase.POST)
    response = rewording.submit(learner, rewording.exercises()["let-him-in"], "Are you safe?")
    certificate = Certificate(user_id=learner.id, pathway_id="core", minutes=240)
    db.session.add(certificate)
    csv_file = io.BytesIO(
        f"name,email,team,job_role\nNew Person,new@example.org,Duty,{JobRole.TEACHER}\n".encode()
    )
    upload = imports.start_import(cohort, users["coordinator_x"], "people.csv", csv_file)
    db.session.add(
        Connection(
            organisation=org_x,
            issuer="https://login.example.invalid",
            client_id="courseapp",
            client_secret_encrypted=encrypt("a client secret"),
            domains=[Domain(name="organisation-x.example")],
        )
    )
    done_file = io.BytesIO(b"name,email\nDone Person,done@example.org\n")
    done = imports.start_import(cohort, users["coordinator_x"], "done.csv", done_file)
    imports.confirm(done, users["coordinator_x"])
    job = queue.track("email-password-links", users["coordinator_x"].id, org_x.id, total=1)
    files.keep(job, "certificates.zip", "application/zip", b"PK\x05\x06" + bytes(18))
    db.session.commit()
    with app.test_request_context():
        token = make_password_link(learner).rsplit("/", 1)[1]
        email_token = make_email_change_link(learner, "a.new@example.org").rsplit("/", 1)[1]
        unsubscribe = unsubscribe_token(learner.id, learner.email)
    return World(
        org_x=org_x.id,
        join_code=org_x.join_code,
        cohort=cohort.id,
        upload=upload.id,
        learner_a=learner.id,
        open_attempt=post.id,
        submitted_attempt=pre.id,
        response=response.id,
        certificate_code=certificate.code,
        password_token=token,
        users=users,
        confirmed_upload=done.id,
        email_token=email_token,
        job=job.id,
        unsubscribe_token=unsubscribe,
    )
