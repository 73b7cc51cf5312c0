package org.dialvie.nfc.relay;

import java.io.IOException;

/**
 * One contactless chip, one APDU at a time.
 *
 * <p>On Android this wraps {@code IsoDep.transceive}; in the tests it wraps
 * {@code javax.smartcardio}. An {@link IOException} means the chip stopped
 * answering (tag lost): the relay then reports the answers it already has.
 */
public interface ApduChannel {
    /** Sends a command APDU and returns the response APDU (data + SW1 SW2). */
    byte[] transmit(byte[] command) throws IOException;

    /**
     * The longest response APDU (data + SW1 SW2) this NFC stack can carry; the server
     * sizes its reads to fit. IsoDep: {@code getMaxTransceiveLength()}, or 261 without
     * extended-length support.
     */
    int maxApduLength();
}
