package org.dialvie.nfc.relay;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The helper's whole job: carry APDU batches between the server and the chip.
 *
 * <p>Loop: POST {@code {seq, responses}} to the exchange URL, receive {@code {seq,
 * commands, progress, done, error}}, send each command to the chip in order, and
 * post the answers with the new {@code seq}. If the chip stops answering mid-batch
 * the answers so far are posted (a short list tells the server the chip is gone).
 * Network failures, timeouts, 5xx and 429 are retried with the same body and
 * exponential backoff: the server answers a repeated request with the same reply.
 * No APDU is ever interpreted here; the server holds the keys.
 */
public final class RelayClient {
    static final String NETWORK_FR = "Vérifiez votre connexion Internet et réessayez";
    static final String BAD_REPLY_FR = "La lecture de la puce a échoué, veuillez réessayer";
    static final String CANCELLED_FR = "La lecture du passeport a été annulée";
    private static final long FIRST_DELAY_MILLIS = 500;
    private static final int MAX_COMMANDS = 64;

    private final String exchangeUrl;
    private final String cancelUrl;
    private final HttpClient http;
    private final ApduChannel chip;
    private final RelayListener listener;
    private Sleeper sleeper = Sleeper.REAL;
    private int maxAttempts = 5;
    private volatile boolean cancelled;
    private int roundTrips;
    private int apdus;

    public RelayClient(SessionLink link, HttpClient http, ApduChannel chip, RelayListener listener) {
        this(link.exchangeUrl(), link.cancelUrl(), http, chip, listener);
    }

    public RelayClient(String exchangeUrl, String cancelUrl, HttpClient http, ApduChannel chip,
            RelayListener listener) {
        this.exchangeUrl = exchangeUrl;
        this.cancelUrl = cancelUrl;
        this.http = http;
        this.chip = chip;
        this.listener = listener;
    }

    /** Replaces the real sleep (tests). */
    public RelayClient withSleeper(Sleeper sleeper) {
        this.sleeper = sleeper;
        return this;
    }

    /** Attempts per request, the first included (default 5: waits 0.5, 1, 2, 4 s). */
    public RelayClient withMaxAttempts(int maxAttempts) {
        this.maxAttempts = maxAttempts;
        return this;
    }

    /** Asks the running loop to stop and tell the server (any thread). */
    public void cancel() {
        cancelled = true;
    }

    /** Runs the relay to its end; never throws. */
    public Outcome run() {
        long seq = 0;
        List<Object> responses = new ArrayList<>();
        try {
            while (true) {
                if (cancelled) {
                    return sendCancel();
                }
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("seq", seq);
                body.put("responses", responses);
                if (seq == 0) {
                    body.put("max_apdu", (long) chip.maxApduLength());
                }
                Object reply = postWithRetry(exchangeUrl, Json.stringify(body));
                if (reply instanceof Outcome) {
                    return (Outcome) reply;
                }
                Map<?, ?> answer = (Map<?, ?>) reply;
                roundTrips++;
                Object progress = answer.get("progress");
                if (progress instanceof Number) {
                    listener.onProgress(((Number) progress).doubleValue());
                }
                if (Boolean.TRUE.equals(answer.get("done"))) {
                    return finished(answer.get("error"));
                }
                Object nextSeq = answer.get("seq");
                Object commands = answer.get("commands");
                if (!(nextSeq instanceof Long) || (Long) nextSeq != seq + 1
                        || !(commands instanceof List) || ((List<?>) commands).isEmpty()
                        || ((List<?>) commands).size() > MAX_COMMANDS) {
                    return failure(Outcome.BAD_REPLY, BAD_REPLY_FR);
                }
                seq = (Long) nextSeq;
                responses = forward((List<?>) commands);
                if (responses == null) {
                    return failure(Outcome.BAD_REPLY, BAD_REPLY_FR);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return sendCancel();
        }
    }

    /** Sends a batch to the chip; stops at the first lost answer. Null if a command is not hex. */
    private List<Object> forward(List<?> commands) {
        List<Object> answers = new ArrayList<>();
        for (Object command : commands) {
            byte[] apdu;
            try {
                apdu = Hex.decode((String) command);
            } catch (ClassCastException | IllegalArgumentException e) {
                return null;
            }
            try {
                answers.add(Hex.encode(chip.transmit(apdu)));
                apdus++;
            } catch (IOException e) {
                break; // tag lost: the server learns it from the short list
            }
        }
        return answers;
    }

    /** A parsed 200 reply, or an {@link Outcome} when the server or the network said no. */
    private Object postWithRetry(String url, String body) throws InterruptedException {
        long delay = FIRST_DELAY_MILLIS;
        for (int attempt = 1; ; attempt++) {
            HttpClient.Response response = null;
            try {
                response = http.post(url, body);
            } catch (IOException e) {
                // retried below: a lost reply is answered again identically
            }
            if (response != null && response.status == 200) {
                try {
                    Object parsed = Json.parse(response.body);
                    if (parsed instanceof Map) {
                        return parsed;
                    }
                } catch (IllegalArgumentException e) {
                    // falls through to a bad reply
                }
                return failure(Outcome.BAD_REPLY, BAD_REPLY_FR);
            }
            boolean retryable = response == null || response.status >= 500 || response.status == 429;
            if (!retryable) {
                return serverRefusal(response);
            }
            if (attempt >= maxAttempts || cancelled) {
                return failure(Outcome.NETWORK, NETWORK_FR);
            }
            listener.onRetry(attempt, delay);
            sleeper.sleep(delay);
            delay *= 2;
        }
    }

    private Outcome serverRefusal(HttpClient.Response response) {
        try {
            Object parsed = Json.parse(response.body);
            Object error = parsed instanceof Map ? ((Map<?, ?>) parsed).get("error") : null;
            if (error instanceof Map) {
                return finished(error);
            }
        } catch (IllegalArgumentException e) {
            // not our server's JSON: a proxy page, say
        }
        return failure("http_" + response.status, BAD_REPLY_FR);
    }

    private Outcome finished(Object error) {
        if (error == null) {
            return new Outcome(true, null, null, roundTrips, apdus);
        }
        if (!(error instanceof Map)) {
            return failure(Outcome.BAD_REPLY, BAD_REPLY_FR);
        }
        Object code = ((Map<?, ?>) error).get("code");
        Object message = ((Map<?, ?>) error).get("message_fr");
        return failure(code instanceof String ? (String) code : Outcome.BAD_REPLY,
                message instanceof String ? (String) message : BAD_REPLY_FR);
    }

    private Outcome sendCancel() {
        try {
            http.post(cancelUrl, "{}");
        } catch (IOException e) {
            // best effort: the session expires on its own
        }
        return failure(Outcome.CANCELLED, CANCELLED_FR);
    }

    private Outcome failure(String code, String messageFr) {
        return new Outcome(false, code, messageFr, roundTrips, apdus);
    }
}
