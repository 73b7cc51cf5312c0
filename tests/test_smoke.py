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


def test_service_worker_version_follows_the_shell_files(app, client, tmp_path):
    """A deploy that changes a shell file gets a new worker version without a manual bump."""
    import re
    import shutil
    from pathlib import Path

    from webapp.public import routes

    first = client.get("/sw.js")
    assert first.headers["Service-Worker-Allowed"] == "/"
    version = re.search(r'const VERSION = "([^"]+)";', first.data.decode()).group(1)
    templates = str(Path(app.root_path) / "templates")
    static = tmp_path / "static"
    shutil.copytree(app.static_folder, static)
    assert routes._versioned_sw(str(static), templates) == first.data.decode()
    (static / "css" / "app.css").write_text("body { color: black; }")
    routes._versioned_sw.cache_clear()  # a deploy restarts the processes
    changed = routes._versioned_sw(str(static), templates)
    new_version = re.search(r'const VERSION = "([^"]+)";', changed).group(1)
    assert new_version != version and new_version.split("-")[:3] == version.split("-")[:3]
