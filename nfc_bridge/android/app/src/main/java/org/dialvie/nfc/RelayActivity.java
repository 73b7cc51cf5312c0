package org.dialvie.nfc;

import android.app.Activity;
import android.content.Intent;
import android.graphics.Color;
import android.net.Uri;
import android.nfc.NfcAdapter;
import android.nfc.Tag;
import android.nfc.tech.IsoDep;
import android.os.Bundle;
import android.util.TypedValue;
import android.view.Gravity;
import android.widget.Button;
import android.widget.LinearLayout;
import android.widget.TextView;

import java.io.IOException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

import org.dialvie.nfc.relay.Outcome;
import org.dialvie.nfc.relay.RelayClient;
import org.dialvie.nfc.relay.RelayListener;
import org.dialvie.nfc.relay.SessionLink;
import org.dialvie.nfc.relay.UrlConnectionHttp;

/**
 * The helper's only screen: opened by the PWA's intent:// link, it waits for the
 * passport, relays APDU batches to the server (see RelayClient) and returns to
 * the PWA. Large text throughout: many users are in their eighties.
 */
public final class RelayActivity extends Activity implements NfcAdapter.ReaderCallback {
    /** Servers this build may talk to (HTTPS only); see PROTOCOL.md, security notes. */
    private static final Set<String> ALLOWED_HOSTS =
            new HashSet<>(Arrays.asList(BuildConfig.RELAY_HOSTS.split(",")));

    private volatile SessionLink link;
    private NfcAdapter adapter;
    private TextView message;
    private TextView percent;
    private volatile RelayClient relay;
    private volatile boolean started;

    @Override
    protected void onCreate(Bundle savedInstanceState) {
        super.onCreate(savedInstanceState);
        buildScreen();
        adapter = NfcAdapter.getDefaultAdapter(this);
        openSession(getIntent());
    }

    /** A new link while the screen is up (singleTask): a new session replaces the old one. */
    @Override
    protected void onNewIntent(Intent intent) {
        super.onNewIntent(intent);
        setIntent(intent);
        RelayClient running = relay;
        if (running != null) {
            running.cancel();
        }
        relay = null;
        started = false;
        openSession(intent);
    }

    private void openSession(Intent intent) {
        Uri data = intent.getData();
        link = null;
        try {
            link = SessionLink.parse(data == null ? "" : data.toString(), ALLOWED_HOSTS,
                    BuildConfig.DEBUG);
        } catch (IllegalArgumentException e) {
            show(getString(R.string.bad_link), "");
            return;
        }
        if (adapter == null || !adapter.isEnabled()) {
            show(getString(R.string.nfc_off), "");
            return;
        }
        show(getString(R.string.lay_phone) + "\n\n" + link.host, "");
    }

    @Override
    protected void onResume() {
        super.onResume();
        if (adapter != null && link != null) {
            // Reader mode: the passport goes to this screen only, no NDEF probing first.
            Bundle options = new Bundle();
            options.putInt(NfcAdapter.EXTRA_READER_PRESENCE_CHECK_DELAY, 1000);
            adapter.enableReaderMode(this, this,
                    NfcAdapter.FLAG_READER_NFC_A | NfcAdapter.FLAG_READER_NFC_B
                            | NfcAdapter.FLAG_READER_SKIP_NDEF_CHECK, options);
        }
    }

    @Override
    protected void onPause() {
        super.onPause();
        if (adapter != null) {
            adapter.disableReaderMode(this);
        }
    }

    /** Leaving the screen mid-read (back, swipe away) cancels the session on the server. */
    @Override
    protected void onDestroy() {
        RelayClient running = relay;
        if (running != null) {
            running.cancel();
        }
        super.onDestroy();
    }

    /** Called by Android on a binder thread when the passport is in the field. */
    @Override
    public void onTagDiscovered(Tag tag) {
        IsoDep isoDep = IsoDep.get(tag);
        SessionLink session = link;
        if (isoDep == null || session == null || started) {
            return;
        }
        started = true;
        IsoDepChannel chip;
        try {
            chip = new IsoDepChannel(isoDep);
        } catch (IOException e) {
            started = false;
            show(getString(R.string.hold_still), "");
            return;
        }
        show(getString(R.string.reading), "0 %");
        relay = new RelayClient(session, new UrlConnectionHttp(), chip, new RelayListener() {
            @Override
            public void onProgress(double fraction) {
                show(getString(R.string.reading), Math.round(fraction * 100) + " %");
            }

            @Override
            public void onRetry(int attempt, long delayMillis) {
                show(getString(R.string.network_slow), "");
            }
        });
        Outcome outcome = relay.run(); // this binder thread is ours until the read ends
        chip.close();
        if (outcome.success) {
            show(getString(R.string.done), "100 %");
            runOnUiThread(() -> returnToPwa(session));
        } else {
            show(outcome.messageFr, "");
            runOnUiThread(() -> showBackButton(session));
        }
    }

    private void returnToPwa(SessionLink session) {
        startActivity(new Intent(Intent.ACTION_VIEW, Uri.parse(session.returnUrl)));
        finish();
    }

    private void buildScreen() {
        LinearLayout column = new LinearLayout(this);
        column.setOrientation(LinearLayout.VERTICAL);
        column.setGravity(Gravity.CENTER);
        column.setPadding(48, 48, 48, 48);
        column.setBackgroundColor(Color.WHITE);
        message = new TextView(this);
        message.setTextSize(TypedValue.COMPLEX_UNIT_SP, 30);
        message.setTextColor(Color.BLACK);
        message.setGravity(Gravity.CENTER);
        percent = new TextView(this);
        percent.setTextSize(TypedValue.COMPLEX_UNIT_SP, 64);
        percent.setTextColor(Color.rgb(0, 90, 50));
        percent.setGravity(Gravity.CENTER);
        Button cancel = new Button(this);
        cancel.setText(R.string.cancel);
        cancel.setTextSize(TypedValue.COMPLEX_UNIT_SP, 26);
        cancel.setOnClickListener(v -> {
            RelayClient running = relay;
            if (running != null) {
                running.cancel();
            } else {
                finish();
            }
        });
        column.addView(message);
        column.addView(percent);
        column.addView(cancel);
        setContentView(column);
    }

    private void showBackButton(SessionLink session) {
        Button back = new Button(this);
        back.setText(R.string.back);
        back.setTextSize(TypedValue.COMPLEX_UNIT_SP, 26);
        back.setOnClickListener(v -> returnToPwa(session));
        ((LinearLayout) message.getParent()).addView(back);
    }

    private void show(String text, String progress) {
        runOnUiThread(() -> {
            message.setText(text);
            percent.setText(progress);
        });
    }
}
