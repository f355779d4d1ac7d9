from tests.conftest import login


def test_learner_can_sign_in(client, make_org, make_user):
    org = make_org(teams=("Children and families",))
    user = make_user(organisation=org)
    response = login(client, user)
    assert response.status_code == 302
    assert "Your training" in client.get("/").get_data(as_text=True)
