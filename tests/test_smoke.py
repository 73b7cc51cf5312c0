"""The app starts on a migrated PostgreSQL database and serves its public pages."""


def test_public_pages_answer(client):
    for url in ("/", "/guide/", "/verify/", "/offline", "/auth/login", "/staff/login"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert b"DialVie" in response.data


def test_demo_pensioner_sees_payments(client, demo, auth):
    assert auth.login().headers["Location"] == "/space/"
    response = client.get("/space/payments")
    assert response.status_code == 200
    assert b"MAD" in response.data
