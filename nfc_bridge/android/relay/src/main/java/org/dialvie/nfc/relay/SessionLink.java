package org.dialvie.nfc.relay;

import java.io.UnsupportedEncodingException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/**
 * The session carried by the PWA's {@code intent://} link (see PROTOCOL.md).
 *
 * <p>Android hands the activity {@code dialvie-nfc://relay?s=<session URL>&r=<return URL>}.
 * Only HTTPS URLs on the allowed hosts are accepted (debug builds also take plain
 * HTTP on loopback and the emulator's host alias), and the return URL must be on the
 * session's host: a hostile page must not turn the helper into a passport reader
 * for someone else's server.
 */
public final class SessionLink {
    private static final Set<String> DEV_HOSTS =
            new HashSet<>(Arrays.asList("127.0.0.1", "localhost", "10.0.2.2"));

    public final String sessionUrl;
    public final String returnUrl;
    public final String host;

    private SessionLink(String sessionUrl, String returnUrl, String host) {
        this.sessionUrl = sessionUrl;
        this.returnUrl = returnUrl;
        this.host = host;
    }

    /** Parses and checks the link; {@link IllegalArgumentException} says why it is refused. */
    public static SessionLink parse(String link, Set<String> allowedHosts) {
        return parse(link, allowedHosts, false);
    }

    /**
     * As {@link #parse(String, Set)}; {@code allowDevHosts} also accepts loopback and the
     * emulator's host alias (debug builds only).
     */
    public static SessionLink parse(String link, Set<String> allowedHosts, boolean allowDevHosts) {
        URI uri;
        try {
            uri = new URI(link);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a URI");
        }
        String session = null;
        String back = null;
        String query = uri.getRawQuery();
        if (query != null) {
            for (String pair : query.split("&")) {
                int eq = pair.indexOf('=');
                if (eq <= 0) {
                    continue;
                }
                String key = pair.substring(0, eq);
                String value = decode(pair.substring(eq + 1));
                if (key.equals("s")) {
                    session = value;
                } else if (key.equals("r")) {
                    back = value;
                }
            }
        }
        if (session == null || back == null) {
            throw new IllegalArgumentException("link lacks the session or return URL");
        }
        URI sessionUri = checkedUrl(session, allowedHosts, allowDevHosts);
        URI returnUri = checkedUrl(back, allowedHosts, allowDevHosts);
        if (!sessionUri.getHost().equalsIgnoreCase(returnUri.getHost())) {
            throw new IllegalArgumentException("return URL on another host");
        }
        if (!sessionUri.getPath().matches("/nfc/sessions/[A-Za-z0-9_.-]+/?")) {
            throw new IllegalArgumentException("not a relay session URL");
        }
        String base = session.endsWith("/") ? session.substring(0, session.length() - 1) : session;
        return new SessionLink(base, back, sessionUri.getHost());
    }

    /** Where the batches go. */
    public String exchangeUrl() {
        return sessionUrl + "/exchange";
    }

    /** Where a cancel goes. */
    public String cancelUrl() {
        return sessionUrl + "/cancel";
    }

    private static URI checkedUrl(String url, Set<String> allowedHosts, boolean allowDevHosts) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("bad URL");
        }
        String host = uri.getHost();
        if (host == null || uri.getUserInfo() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException("bad URL");
        }
        boolean dev = allowDevHosts && DEV_HOSTS.contains(host.toLowerCase());
        if ("https".equals(uri.getScheme())) {
            if (!allowedHosts.contains(host.toLowerCase()) && !dev) {
                throw new IllegalArgumentException("host not allowed: " + host);
            }
        } else if (!("http".equals(uri.getScheme()) && dev)) {
            throw new IllegalArgumentException("HTTPS required");
        }
        return uri;
    }

    private static String decode(String value) {
        try {
            return URLDecoder.decode(value, "UTF-8");
        } catch (UnsupportedEncodingException e) {
            throw new IllegalStateException(e);
        }
    }
}
