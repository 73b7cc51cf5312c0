package org.dialvie.nfc.relay;

import java.io.IOException;
import javax.smartcardio.Card;
import javax.smartcardio.CardChannel;
import javax.smartcardio.CardException;
import javax.smartcardio.CardTerminal;
import javax.smartcardio.CommandAPDU;
import javax.smartcardio.TerminalFactory;

/**
 * {@link ApduChannel} over a PC/SC reader with {@code javax.smartcardio}: the
 * desktop stand-in for Android's IsoDep in the tests.
 */
final class SmartcardChannel implements ApduChannel, AutoCloseable {
    private final Card card;
    private final CardChannel channel;

    private SmartcardChannel(Card card) {
        this.card = card;
        this.channel = card.getBasicChannel();
    }

    /** Connects to the card in the first reader whose name contains {@code readerName}. */
    static SmartcardChannel open(String readerName, long waitMillis) throws CardException {
        TerminalFactory factory = TerminalFactory.getDefault();
        for (CardTerminal terminal : factory.terminals().list()) {
            if (terminal.getName().toLowerCase().contains(readerName.toLowerCase())) {
                if (!terminal.waitForCardPresent(waitMillis)) {
                    throw new CardException("no card in " + terminal.getName());
                }
                return new SmartcardChannel(terminal.connect("*"));
            }
        }
        throw new CardException("no reader matching " + readerName);
    }

    @Override
    public byte[] transmit(byte[] command) throws IOException {
        try {
            return channel.transmit(new CommandAPDU(command)).getBytes();
        } catch (CardException | IllegalArgumentException | IllegalStateException e) {
            System.err.println("smartcardio: " + e);
            throw new IOException("card stopped answering: " + e.getMessage(), e);
        }
    }

    /** OpenJDK's PC/SC glue receives into a fixed 8192 + 2 byte buffer. */
    @Override
    public int maxApduLength() {
        return 8192 + 2;
    }

    @Override
    public void close() throws CardException {
        card.disconnect(false);
    }
}
