package org.dialvie.nfc;

import android.nfc.tech.IsoDep;

import java.io.IOException;

import org.dialvie.nfc.relay.ApduChannel;

/** The passport's chip through Android's IsoDep; a lost tag surfaces as IOException. */
final class IsoDepChannel implements ApduChannel {
    /** Long enough for a 64 KiB extended READ BINARY or an RSA active-auth signature. */
    static final int TIMEOUT_MILLIS = 5000;

    private final IsoDep isoDep;

    IsoDepChannel(IsoDep isoDep) throws IOException {
        this.isoDep = isoDep;
        isoDep.connect();
        isoDep.setTimeout(TIMEOUT_MILLIS);
    }

    /** Tells the server how big its reads may be: many phones lack extended length. */
    @Override
    public int maxApduLength() {
        return isoDep.isExtendedLengthApduSupported() ? isoDep.getMaxTransceiveLength() : 261;
    }

    @Override
    public byte[] transmit(byte[] command) throws IOException {
        return isoDep.transceive(command); // TagLostException is an IOException
    }

    void close() {
        try {
            isoDep.close();
        } catch (IOException e) {
            // already gone
        }
    }
}
