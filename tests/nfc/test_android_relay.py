"""The Android helper's relay logic, compiled with the JDK and run for real.

No Android SDK here: the relay classes are plain Java. We compile them with
``javac``, run their own JUnit-free tests, then let the real ``RelayClient``
read the simulated passport through pcscd + vpcd (``javax.smartcardio``) while
talking HTTP to a ``RelayService`` behind a test-only ``http.server``.
"""

from __future__ import annotations

import glob
import json
import re
import shutil
import subprocess
import threading
import urllib.error
import urllib.request
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

import nfc_bridge
from nfc_bridge import relay
from nfc_bridge.errors import NfcError
from nfc_bridge.relay import MemoryStore, RelayService, http_status, public_error
from nfc_bridge.simulator import demo_passport
from nfc_bridge.transports.pcscd import PcscdProcess, wait_for_card
from nfc_bridge.transports.vpcd import VpcdCard

ANDROID = Path(nfc_bridge.__file__).resolve().parent / "android"
RELAY_MAIN = ANDROID / "relay" / "src" / "main" / "java"
RELAY_TEST = ANDROID / "relay" / "src" / "test" / "java"
AA_CHALLENGE = bytes.fromhex("f0e1d2c3b4a59687")


def java_sources(*roots: Path) -> list[str]:
    return sorted(str(p) for root in roots for p in root.rglob("*.java"))


def pcsclite_library() -> str:
    """Where Debian put libpcsclite (``dpkg -L libpcsclite1``), for smartcardio."""
    found = sorted(
        glob.glob("/usr/lib/*/libpcsclite.so.1") + glob.glob("/usr/lib*/libpcsclite.so.1")
    )
    assert found, "libpcsclite1 is not installed"
    return found[0]


def javac(out: Path, *args: str) -> None:
    done = subprocess.run(
        ["javac", "-Xlint:all,-options", "-Werror", "-encoding", "UTF-8", "-d", str(out), *args],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def classes(tmp_path_factory) -> Path:
    """The relay classes compiled once: main at Android's Java 8 level, then the tests."""
    assert shutil.which("javac"), "a JDK (javac) is needed: apt-get install openjdk-17-jdk-headless"
    out = tmp_path_factory.mktemp("relay-classes")
    javac(out, "--release", "8", *java_sources(RELAY_MAIN))
    javac(out, "-cp", str(out), *java_sources(RELAY_TEST))
    return out


def java(classes: Path, main: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            "java",
            f"-Dsun.security.smartcardio.library={pcsclite_library()}",
            # Pass 61xx/6Cxx through untouched, as IsoDep does: the server handles them.
            "-Dsun.security.smartcardio.t0GetResponse=false",
            "-Dsun.security.smartcardio.t1GetResponse=false",
            "-cp",
            str(classes),
            f"org.dialvie.nfc.relay.{main}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


# -- the plain-Java relay logic ----------------------------------------------------------


def test_relay_classes_pass_their_own_tests(classes):
    done = java(classes, "RelayTests")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ALL PASSED" in done.stdout
    assert done.stdout.count("ok - ") >= 12


def test_relay_classes_have_no_android_imports_and_build_for_java_8(classes):
    sources = java_sources(RELAY_MAIN)
    assert len(sources) >= 8
    for source in sources:
        text = Path(source).read_text(encoding="utf-8")
        assert not re.search(r"^import android", text, re.M), f"{source} imports Android"
    # The fixture compiled them with --release 8; class file major version 52 is Java 8.
    compiled = classes / "org" / "dialvie" / "nfc" / "relay" / "RelayClient.class"
    assert compiled.read_bytes()[6:8] == (52).to_bytes(2, "big")


def test_android_shell_declares_the_intent_link_and_nfc():
    manifest = (ANDROID / "app" / "src" / "main" / "AndroidManifest.xml").read_text()
    assert 'android:scheme="dialvie-nfc"' in manifest and 'android:host="relay"' in manifest
    assert "android.permission.NFC" in manifest and "BROWSABLE" in manifest
    activity = (
        ANDROID / "app" / "src" / "main" / "java" / "org" / "dialvie" / "nfc" / "IsoDepChannel.java"
    ).read_text()
    assert "setTimeout(TIMEOUT_MILLIS)" in activity
    gradle = (ANDROID / "app" / "build.gradle").read_text()
    assert f'applicationId "{relay.HELPER_PACKAGE}"' in gradle, "the intent link names this app"
    assert relay.HELPER_SCHEME == "dialvie-nfc"


# Just enough of the Android API, as signatures, to type-check the app shell here.
ANDROID_STUBS = {
    "android/content/Context.java": "public class Context {}",
    "android/content/Intent.java": """public class Intent {
        public static final String ACTION_VIEW = "android.intent.action.VIEW";
        public Intent(String action, android.net.Uri uri) {}
        public android.net.Uri getData() { return null; } }""",
    "android/app/Activity.java": """public class Activity extends android.content.Context {
        protected void onCreate(android.os.Bundle b) {} protected void onResume() {}
        protected void onPause() {} protected void onDestroy() {}
        protected void onNewIntent(android.content.Intent i) {}
        public android.content.Intent getIntent() { return null; }
        public void setIntent(android.content.Intent i) {}
        public String getString(int id) { return ""; } public void finish() {}
        public void runOnUiThread(Runnable r) {}
        public void startActivity(android.content.Intent i) {}
        public void setContentView(android.view.View v) {} }""",
    "android/graphics/Color.java": """public class Color {
        public static final int WHITE = -1, BLACK = 0;
        public static int rgb(int r, int g, int b) { return 0; } }""",
    "android/net/Uri.java": """public abstract class Uri {
        public static Uri parse(String s) { return null; } }""",
    "android/nfc/Tag.java": "public final class Tag {}",
    "android/nfc/NfcAdapter.java": """public final class NfcAdapter {
        public static final int FLAG_READER_NFC_A = 1, FLAG_READER_NFC_B = 2,
            FLAG_READER_SKIP_NDEF_CHECK = 128;
        public static final String EXTRA_READER_PRESENCE_CHECK_DELAY = "presence";
        public interface ReaderCallback { void onTagDiscovered(Tag tag); }
        public static NfcAdapter getDefaultAdapter(android.content.Context c) { return null; }
        public boolean isEnabled() { return true; }
        public void enableReaderMode(android.app.Activity a, ReaderCallback c, int flags,
            android.os.Bundle extras) {}
        public void disableReaderMode(android.app.Activity a) {} }""",
    "android/nfc/tech/IsoDep.java": """public final class IsoDep {
        public static IsoDep get(android.nfc.Tag tag) { return null; }
        public void connect() throws java.io.IOException {}
        public void close() throws java.io.IOException {}
        public void setTimeout(int ms) {}
        public boolean isExtendedLengthApduSupported() { return false; }
        public int getMaxTransceiveLength() { return 261; }
        public byte[] transceive(byte[] d) throws java.io.IOException { return d; } }""",
    "android/os/Bundle.java": """public final class Bundle {
        public void putInt(String k, int v) {} }""",
    "android/util/TypedValue.java": """public class TypedValue {
        public static final int COMPLEX_UNIT_SP = 2; }""",
    "android/view/Gravity.java": "public class Gravity { public static final int CENTER = 17; }",
    "android/view/ViewParent.java": "public interface ViewParent {}",
    "android/view/View.java": """public class View {
        public interface OnClickListener { void onClick(View v); }
        public View(android.content.Context c) {}
        public void setPadding(int l, int t, int r, int b) {}
        public void setBackgroundColor(int c) {}
        public void setOnClickListener(OnClickListener l) {}
        public final ViewParent getParent() { return null; } }""",
    "android/view/ViewGroup.java": """public abstract class ViewGroup extends View
        implements ViewParent {
        public ViewGroup(android.content.Context c) { super(c); }
        public void addView(View v) {} }""",
    "android/widget/LinearLayout.java": """public class LinearLayout
        extends android.view.ViewGroup {
        public static final int VERTICAL = 1;
        public LinearLayout(android.content.Context c) { super(c); }
        public void setOrientation(int o) {} public void setGravity(int g) {} }""",
    "android/widget/TextView.java": """public class TextView extends android.view.View {
        public TextView(android.content.Context c) { super(c); }
        public void setTextSize(int unit, float size) {} public void setTextColor(int c) {}
        public void setGravity(int g) {} public final void setText(CharSequence t) {}
        public final void setText(int id) {} }""",
    "android/widget/Button.java": """public class Button extends TextView {
        public Button(android.content.Context c) { super(c); } }""",
}


def test_android_shell_type_checks_against_api_stubs(classes, tmp_path):
    """No SDK here: signature-only stubs of the few Android APIs the shell uses catch
    typos and relay API drift; the APK build itself is documented in the README."""
    strings = (ANDROID / "app" / "src" / "main" / "res" / "values" / "strings.xml").read_text()
    names = re.findall(r'<string name="(\w+)"', strings)
    stubs = dict(ANDROID_STUBS)
    fields = "".join(f"public static final int {name} = {i};" for i, name in enumerate(names))
    stubs["org/dialvie/nfc/R.java"] = (
        f"public final class R {{ public static final class string {{{fields}}} }}"
    )
    stubs["org/dialvie/nfc/BuildConfig.java"] = (
        "public final class BuildConfig { public static final boolean DEBUG = true; "
        'public static final String RELAY_HOSTS = "localhost"; }'
    )
    for path, body in stubs.items():
        target = tmp_path / "stubs" / path
        target.parent.mkdir(parents=True, exist_ok=True)
        package = path.rsplit("/", 1)[0].replace("/", ".")
        target.write_text(f"package {package};\n{body}\n")
    app = ANDROID / "app" / "src" / "main" / "java"
    javac(tmp_path / "out", "--release", "8", "-cp", str(classes),
          *java_sources(tmp_path / "stubs", app))  # fmt: skip


# -- the real client, a real HTTP relay, a real PC/SC card -----------------------------


# The /nfc blueprint adds the text for each code (webapp/nfc/messages.py, in the
# catalogue); this stand-in knows the French text of the codes these tests meet.
FRENCH = {
    "bac_failed": "Vérifiez les informations de votre passeport",
    "pace_failed": "Vérifiez les informations de votre passeport",
}


class RelayHandler(BaseHTTPRequestHandler):
    """Test-only stand-in for the /nfc blueprint: the two helper endpoints."""

    service: RelayService

    def do_POST(self) -> None:  # noqa: N802 -- http.server's naming
        match = re.fullmatch(r"/nfc/sessions/([A-Za-z0-9_.-]+)/(exchange|cancel)", self.path)
        if match is None:
            return self._reply(404, {"error": {"code": "not_found"}})
        length = int(self.headers.get("Content-Length") or 0)
        if length > relay.MAX_REQUEST_BYTES:
            return self._reply(413, {"error": public_error(relay.BadPayload("too large"))})
        raw = self.rfile.read(length)
        token, action = match.groups()
        try:
            if action == "exchange":
                body = self.service.exchange(token, **relay.parse_exchange_body(raw))
            else:
                body = self.service.cancel(token)
        except NfcError as exc:
            return self._reply(http_status(exc), {"error": public_error(exc)})
        self._reply(200, body)

    def _reply(self, status: int, body: dict) -> None:
        error = body.get("error")
        if error:
            body["error"] = {**error, "message_fr": FRENCH.get(error["code"], "")}
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 -- keep pytest output clean
        pass


@contextmanager
def relay_server(service: RelayService):
    handler = type("Handler", (RelayHandler,), {"service": service})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_a_scripted_python_client_reads_the_demo_passport_over_http():
    chip, mrz, trust_store = demo_passport()
    service = RelayService(MemoryStore(), trust_store)
    token = service.start(mrz, aa_challenge=AA_CHALLENGE)["token"]
    posts = []

    with relay_server(service) as base:

        def post(body: dict) -> dict:
            request = urllib.request.Request(
                f"{base}/nfc/sessions/{token}/exchange",
                data=json.dumps(body).encode(),
                headers={"Content-Type": "application/json"},
            )
            with urllib.request.urlopen(request, timeout=30) as response:
                posts.append(body)
                return json.loads(response.read())

        last = relay.play_helper(post, chip.transmit, max_apdu=261)
        with pytest.raises(urllib.error.HTTPError) as refused:
            post({"seq": 0, "responses": ["zz"]})
    assert last == {"seq": len(posts), "commands": [], "progress": 1.0, "done": True, "error": None}
    assert len(posts) <= 8
    assert service.result(token).trusted
    assert refused.value.code == 400
    assert json.loads(refused.value.read())["error"]["code"] == "relay_bad_payload"
    refused.value.close()


@pytest.fixture(scope="module")
def pcscd():
    with PcscdProcess() as daemon:
        yield daemon


@contextmanager
def passport_on_reader():
    """The demo passport laid on the virtual reader; yields (mrz, trust store)."""
    chip, mrz, trust_store = demo_passport()
    virtual = VpcdCard(chip).start()
    arrived = None
    try:
        assert virtual.wait_connected(10), f"vpcd did not accept the card: {virtual.error}"
        arrived = wait_for_card(present=True)
        yield mrz, trust_store
    finally:
        virtual.stop()
        wait_for_card(present=False, since=arrived)


@pytest.mark.pcsc
def test_java_helper_reads_the_passport_through_pcsc_and_the_http_relay(classes, pcscd):
    with passport_on_reader() as (mrz, trust_store):
        service = RelayService(MemoryStore(), trust_store)
        token = service.start(mrz, aa_challenge=AA_CHALLENGE)["token"]
        with relay_server(service) as base:
            done = java(classes, "LiveRelay", f"{base}/nfc/sessions/{token}", "Virtual PCD")
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["success"] is True
    assert report["round_trips"] <= 8, report
    assert report["progress"][-1] == 1.0
    result = service.result(token)
    assert result.trusted, result.passive_auth
    assert result.active_auth["status"] == "pass"
    assert result.face_image


@pytest.mark.pcsc
def test_java_helper_shows_check_your_passport_for_a_wrong_mrz(classes, pcscd):
    with passport_on_reader() as (_, trust_store):
        service = RelayService(MemoryStore(), trust_store)
        token = service.start("L898902C<369080619406236")["token"]
        with relay_server(service) as base:
            done = java(classes, "LiveRelay", f"{base}/nfc/sessions/{token}", "Virtual PCD")
    assert done.returncode == 1, done.stdout + done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["code"] in ("bac_failed", "pace_failed")
    assert report["message_fr"] == "Vérifiez les informations de votre passeport"
    assert service.status(token)["status"] == "failed"
