package org.dialvie.nfc.relay;

import java.io.IOException;

/** The one HTTP call the relay needs; swapped for a fake in tests. */
public interface HttpClient {
    /** POSTs a JSON body; an {@link IOException} is a network failure worth retrying. */
    Response post(String url, String jsonBody) throws IOException;

    /** Status code and body text of an HTTP answer. */
    final class Response {
        public final int status;
        public final String body;

        public Response(int status, String body) {
            this.status = status;
            this.body = body;
        }
    }
}
