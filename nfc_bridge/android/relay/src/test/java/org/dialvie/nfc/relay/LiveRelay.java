package org.dialvie.nfc.relay;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs the real relay client against a real server and a real PC/SC card.
 *
 * <p>Usage: {@code LiveRelay <session URL> <reader name substring>}. Prints one JSON
 * line with the outcome; exit code 0 on a successful read. Used by
 * tests/nfc/test_android_relay.py with the simulator behind vpcd and pcscd.
 */
public final class LiveRelay {
    public static void main(String[] args) throws Exception {
        String sessionUrl = args[0];
        List<Object> progress = new ArrayList<>();
        Outcome outcome;
        long elapsedMillis;
        try (SmartcardChannel chip = SmartcardChannel.open(args[1], 10_000)) {
            RelayClient relay = new RelayClient(sessionUrl + "/exchange", sessionUrl + "/cancel",
                    new UrlConnectionHttp(), chip, progress::add);
            long start = System.nanoTime();
            outcome = relay.run();
            elapsedMillis = (System.nanoTime() - start) / 1_000_000;
        }
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("success", outcome.success);
        report.put("code", outcome.code);
        report.put("message_fr", outcome.messageFr);
        report.put("round_trips", (long) outcome.roundTrips);
        report.put("apdus", (long) outcome.apdus);
        report.put("progress", progress);
        report.put("elapsed_ms", elapsedMillis);
        System.out.println(Json.stringify(report));
        System.exit(outcome.success ? 0 : 1);
    }
}
