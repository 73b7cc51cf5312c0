package org.dialvie.nfc.relay;

/** What the screen shows while the relay runs (called on the relay's thread). */
public interface RelayListener {
    /** Read progress in 0..1, after each server reply. */
    void onProgress(double fraction);

    /** A network attempt failed and will be retried after {@code delayMillis}. */
    default void onRetry(int attempt, long delayMillis) {
    }
}
