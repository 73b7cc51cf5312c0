package org.dialvie.nfc.relay;

/** How a relayed read ended, for the screen and the return to the PWA. */
public final class Outcome {
    public static final String NETWORK = "network";
    public static final String BAD_REPLY = "relay_bad_reply";
    public static final String CANCELLED = "relay_cancelled";

    public final boolean success;
    /** Stable error key (the server's, or one of the constants above); null on success. */
    public final String code;
    /** French text for the pensioner; null on success. */
    public final String messageFr;
    public final int roundTrips;
    public final int apdus;

    Outcome(boolean success, String code, String messageFr, int roundTrips, int apdus) {
        this.success = success;
        this.code = code;
        this.messageFr = messageFr;
        this.roundTrips = roundTrips;
        this.apdus = apdus;
    }

    @Override
    public String toString() {
        return success ? "success" : code + ": " + messageFr;
    }
}
