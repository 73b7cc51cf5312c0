package org.dialvie.nfc.relay;

/** Waiting between retries, injectable so tests run instantly. */
public interface Sleeper {
    void sleep(long millis) throws InterruptedException;

    Sleeper REAL = Thread::sleep;
}
