package org.dialvie.nfc.relay;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * JUnit-free tests of the relay logic, run by tests/nfc/test_android_relay.py.
 *
 * <p>Prints one line per test and "ALL PASSED" at the end; exits 1 on the first
 * failure so pytest shows which check broke.
 */
public final class RelayTests {
    private static int passed;

    public static void main(String[] args) throws Exception {
        jsonRoundTripsNestedValuesAndEscapes();
        jsonRejectsGarbage();
        hexRejectsOddAndNonHex();
        sessionLinkAcceptsTheServersHttpsUrl();
        sessionLinkRefusesForeignHostsAndPlainHttp();
        fullReadForwardsEveryBatchInOrder();
        lostReplyIsResentWithTheSameSeqAndBody();
        chipLostMidBatchPostsTheAnswersSoFar();
        serverRefusalIsFinalAndNotRetried();
        persistentOutageGivesUpAfterBackoff();
        wrongSeqFromServerIsABadReply();
        cancelTellsTheServer();
        System.out.println("ALL PASSED (" + passed + " tests)");
    }

    // -- a scripted server and chip -------------------------------------------

    /** Plays the server: fixed batches, checks seq like RelayService does. */
    static final class FakeServer implements HttpClient {
        final List<List<String>> batches;
        final List<String> bodies = new ArrayList<>();
        final List<String> urls = new ArrayList<>();
        int dropReplies;          // requests to process but "lose" the reply of
        int failStatus;           // answer this status to every request when non-zero
        String finalError;        // JSON of the error object on the last reply
        long expectedSeq;
        String lastBody;
        String lastReply;

        FakeServer(List<List<String>> batches) {
            this.batches = batches;
        }

        @Override
        public Response post(String url, String body) throws IOException {
            urls.add(url);
            bodies.add(body);
            if (url.endsWith("/cancel")) {
                return new Response(200, "{\"status\":\"cancelled\"}");
            }
            if (failStatus != 0) {
                return new Response(failStatus,
                        "{\"error\":{\"code\":\"replay_detected\",\"message_fr\":\"Rejouée\"}}");
            }
            String reply;
            if (body.equals(lastBody)) {
                reply = lastReply; // idempotent retry
            } else {
                Map<?, ?> request = (Map<?, ?>) Json.parse(body);
                check(request.get("seq").equals(expectedSeq), "client sent seq " + request.get("seq"));
                int index = (int) expectedSeq;
                expectedSeq++;
                boolean done = index >= batches.size();
                String commands = done ? "[]" : Json.stringify(batches.get(index));
                reply = "{\"seq\":" + expectedSeq + ",\"commands\":" + commands
                        + ",\"progress\":" + (done ? 1 : index * 0.25) + ",\"done\":" + done
                        + ",\"error\":" + (done && finalError != null ? finalError : "null") + "}";
                lastBody = body;
                lastReply = reply;
            }
            if (dropReplies > 0) {
                dropReplies--;
                throw new IOException("reply lost on the mobile network");
            }
            return new Response(200, reply);
        }
    }

    /** Answers each APDU with its first byte + 9000; can lose the tag after n APDUs. */
    static final class FakeChip implements ApduChannel {
        final List<String> seen = new ArrayList<>();
        int loseAfter = Integer.MAX_VALUE;

        @Override
        public byte[] transmit(byte[] command) throws IOException {
            if (seen.size() >= loseAfter) {
                throw new IOException("Tag was lost.");
            }
            seen.add(Hex.encode(command));
            return new byte[] {command[0], (byte) 0x90, 0x00};
        }

        @Override
        public int maxApduLength() {
            return 261;
        }
    }

    static final class Recorder implements RelayListener {
        final List<Double> progress = new ArrayList<>();
        final List<Long> delays = new ArrayList<>();
        RelayClient cancelAtFirstProgress;

        @Override
        public void onProgress(double fraction) {
            progress.add(fraction);
            if (cancelAtFirstProgress != null) {
                cancelAtFirstProgress.cancel();
            }
        }

        @Override
        public void onRetry(int attempt, long delayMillis) {
            delays.add(delayMillis);
        }
    }

    static RelayClient client(FakeServer server, FakeChip chip, Recorder recorder) {
        return new RelayClient("https://x/nfc/sessions/t/exchange", "https://x/nfc/sessions/t/cancel",
                server, chip, recorder).withSleeper(millis -> { });
    }

    static List<List<String>> twoBatches() {
        return Arrays.asList(Arrays.asList("00a4020c02011e"),
                Arrays.asList("0cb0000000", "0cb0000100", "0cb0000200"));
    }

    // -- tests ----------------------------------------------------------------

    static void jsonRoundTripsNestedValuesAndEscapes() {
        String text = "{\"seq\":3,\"ok\":true,\"none\":null,\"p\":0.5,\"list\":[\"a\\\"b\\\\c\\n\","
                + "\"\\u00e9t\\u00e9\",-12],\"o\":{}}";
        Map<?, ?> parsed = (Map<?, ?>) Json.parse(text);
        check(parsed.get("seq").equals(3L), "integer");
        check(parsed.get("ok").equals(Boolean.TRUE) && parsed.get("none") == null, "literals");
        check(parsed.get("p").equals(0.5), "double");
        List<?> list = (List<?>) parsed.get("list");
        check(list.get(0).equals("a\"b\\c\n") && list.get(1).equals("été"), "escapes");
        check(list.get(2).equals(-12L), "negative");
        check(Json.parse(Json.stringify(parsed)).equals(parsed), "round trip");
        pass("json round-trips nested values and escapes");
    }

    static void jsonRejectsGarbage() {
        for (String bad : new String[] {"", "{", "{\"a\":}", "[1,]", "\"unterminated", "{} x",
                "tru", "\"\\x\"", "[" + "[".repeat(40) + "]".repeat(41)}) {
            try {
                Json.parse(bad);
                fail("accepted " + bad);
            } catch (IllegalArgumentException expected) {
                // good
            }
        }
        pass("json rejects garbage");
    }

    static void hexRejectsOddAndNonHex() {
        check(Hex.encode(Hex.decode("00A4ff")).equals("00a4ff"), "hex round trip");
        for (String bad : new String[] {"0", "zz", "0g", " 0"}) {
            try {
                Hex.decode(bad);
                fail("accepted hex " + bad);
            } catch (IllegalArgumentException expected) {
                // good
            }
        }
        pass("hex rejects odd and non-hex text");
    }

    static void sessionLinkAcceptsTheServersHttpsUrl() {
        Set<String> hosts = new HashSet<>(Collections.singletonList("vie.example.ma"));
        SessionLink link = SessionLink.parse("dialvie-nfc://relay?s="
                + "https%3A%2F%2Fvie.example.ma%2Fnfc%2Fsessions%2Fab_c.d-e"
                + "&r=https%3A%2F%2Fvie.example.ma%2Fenrol%2Fpassport", hosts);
        check(link.exchangeUrl().equals("https://vie.example.ma/nfc/sessions/ab_c.d-e/exchange"),
                link.exchangeUrl());
        check(link.returnUrl.equals("https://vie.example.ma/enrol/passport"), link.returnUrl);
        SessionLink dev = SessionLink.parse("dialvie-nfc://relay?s=http%3A%2F%2F127.0.0.1%3A8000"
                + "%2Fnfc%2Fsessions%2Ft&r=http%3A%2F%2F127.0.0.1%3A8000%2F", hosts, true);
        check(dev.cancelUrl().equals("http://127.0.0.1:8000/nfc/sessions/t/cancel"), dev.cancelUrl());
        pass("session link accepts the server's https URL");
    }

    static void sessionLinkRefusesForeignHostsAndPlainHttp() {
        Set<String> hosts = new HashSet<>(Collections.singletonList("vie.example.ma"));
        String[] refused = {
            "dialvie-nfc://relay?s=https%3A%2F%2Fevil.example%2Fnfc%2Fsessions%2Ft&r=https%3A%2F%2Fevil.example%2F",
            "dialvie-nfc://relay?s=http%3A%2F%2Fvie.example.ma%2Fnfc%2Fsessions%2Ft&r=http%3A%2F%2Fvie.example.ma%2F",
            "dialvie-nfc://relay?s=https%3A%2F%2Fvie.example.ma%2Fnfc%2Fsessions%2Ft&r=https%3A%2F%2Fevil.example%2F",
            "dialvie-nfc://relay?s=https%3A%2F%2Fvie.example.ma%2Fadmin&r=https%3A%2F%2Fvie.example.ma%2F",
            "dialvie-nfc://relay?s=http%3A%2F%2F127.0.0.1%2Fnfc%2Fsessions%2Ft&r=http%3A%2F%2F127.0.0.1%2F",
            "dialvie-nfc://relay?r=https%3A%2F%2Fvie.example.ma%2F",
        };
        for (String link : refused) {
            try {
                SessionLink.parse(link, hosts);
                fail("accepted " + link);
            } catch (IllegalArgumentException expected) {
                // good
            }
        }
        pass("session link refuses foreign hosts, plain http and odd paths");
    }

    static void fullReadForwardsEveryBatchInOrder() {
        FakeServer server = new FakeServer(twoBatches());
        FakeChip chip = new FakeChip();
        Recorder recorder = new Recorder();
        Outcome outcome = client(server, chip, recorder).run();
        check(outcome.success, "outcome " + outcome);
        check(outcome.roundTrips == 3 && outcome.apdus == 4, "counts " + outcome.roundTrips);
        check(chip.seen.equals(Arrays.asList("00a4020c02011e", "0cb0000000", "0cb0000100",
                "0cb0000200")), "chip saw " + chip.seen);
        check(server.bodies.get(0).equals("{\"seq\":0,\"responses\":[],\"max_apdu\":261}"),
                server.bodies.get(0));
        check(server.bodies.get(1).equals("{\"seq\":1,\"responses\":[\"009000\"]}"),
                server.bodies.get(1));
        check(server.bodies.get(2).equals("{\"seq\":2,\"responses\":[\"0c9000\",\"0c9000\",\"0c9000\"]}"),
                server.bodies.get(2));
        check(recorder.progress.equals(Arrays.asList(0.0, 0.25, 1.0)), "progress " + recorder.progress);
        pass("a full read forwards every batch in order");
    }

    static void lostReplyIsResentWithTheSameSeqAndBody() {
        FakeServer server = new FakeServer(twoBatches());
        server.dropReplies = 1;
        Recorder recorder = new Recorder();
        Outcome outcome = client(server, new FakeChip(), recorder).run();
        check(outcome.success, "outcome " + outcome);
        check(server.bodies.get(0).equals(server.bodies.get(1)), "retry must resend the same body");
        check(recorder.delays.equals(Collections.singletonList(500L)), "delays " + recorder.delays);
        pass("a lost reply is re-sent with the same seq and body");
    }

    static void chipLostMidBatchPostsTheAnswersSoFar() {
        FakeServer server = new FakeServer(twoBatches());
        server.finalError = "{\"code\":\"chip_removed\",\"message_fr\":\"Gardez le téléphone immobile\"}";
        FakeChip chip = new FakeChip();
        chip.loseAfter = 2; // SELECT, then one READ BINARY, then the tag is gone
        Outcome outcome = client(server, chip, new Recorder()).run();
        check(server.bodies.get(2).equals("{\"seq\":2,\"responses\":[\"0c9000\"]}"),
                "short list expected: " + server.bodies.get(2));
        check(!outcome.success && outcome.code.equals("chip_removed"), "outcome " + outcome);
        check(outcome.messageFr.startsWith("Gardez"), outcome.messageFr);
        pass("a chip lost mid-batch posts the answers so far");
    }

    static void serverRefusalIsFinalAndNotRetried() {
        FakeServer server = new FakeServer(twoBatches());
        server.failStatus = 409;
        Recorder recorder = new Recorder();
        Outcome outcome = client(server, new FakeChip(), recorder).run();
        check(!outcome.success && outcome.code.equals("replay_detected"), "outcome " + outcome);
        check(server.bodies.size() == 1 && recorder.delays.isEmpty(), "4xx must not be retried");
        pass("a server refusal is final and not retried");
    }

    static void persistentOutageGivesUpAfterBackoff() {
        FakeServer server = new FakeServer(twoBatches());
        server.failStatus = 503;
        Recorder recorder = new Recorder();
        Outcome outcome = client(server, new FakeChip(), recorder).run();
        check(!outcome.success && outcome.code.equals(Outcome.NETWORK), "outcome " + outcome);
        check(server.bodies.size() == 5, "attempts " + server.bodies.size());
        check(recorder.delays.equals(Arrays.asList(500L, 1000L, 2000L, 4000L)),
                "backoff " + recorder.delays);
        pass("a persistent outage gives up after exponential backoff");
    }

    static void wrongSeqFromServerIsABadReply() {
        HttpClient liar = (url, body) -> new HttpClient.Response(200,
                "{\"seq\":7,\"commands\":[\"00\"],\"progress\":0,\"done\":false,\"error\":null}");
        FakeChip chip = new FakeChip();
        Outcome outcome = new RelayClient("https://x/e", "https://x/c", liar, chip, new Recorder())
                .withSleeper(millis -> { }).run();
        check(!outcome.success && outcome.code.equals(Outcome.BAD_REPLY), "outcome " + outcome);
        check(chip.seen.isEmpty(), "nothing may reach the chip");
        pass("a wrong seq from the server is a bad reply");
    }

    static void cancelTellsTheServer() {
        FakeServer server = new FakeServer(twoBatches());
        Recorder recorder = new Recorder();
        RelayClient relay = client(server, new FakeChip(), recorder);
        recorder.cancelAtFirstProgress = relay;
        Outcome outcome = relay.run();
        check(!outcome.success && outcome.code.equals(Outcome.CANCELLED), "outcome " + outcome);
        check(server.urls.get(server.urls.size() - 1).endsWith("/cancel"), "cancel not posted");
        pass("cancel tells the server");
    }

    // -- a minimal assertion kit ----------------------------------------------

    static void check(boolean condition, String message) {
        if (!condition) {
            fail(message);
        }
    }

    static void fail(String message) {
        System.out.println("FAIL: " + message);
        System.exit(1);
    }

    static void pass(String name) {
        passed++;
        System.out.println("ok - " + name);
    }
}
