/* Proof of life camera: front camera in an oval, the challenge read out one step at a
   time, a burst of JPEG frames uploaded with the nonce, then the htmx polling partial.

   Each instruction waits for the person: it stays on screen (with a count-down, and
   spoken) until a move is seen in the oval and has settled, but at least stepMin and
   at most stepMax milliseconds. "A move is seen" is a cheap client-side heuristic
   (frame differencing inside the oval on a small canvas); the server still decides
   on the uploaded frames. A practice run does the same steps with no challenge and
   no upload. The steps last as long as they need, so the burst is not split in halves;
   the server judges the order of the moves over the whole burst (face_engine.liveness),
   so it needs no boundary. Frames are drawn UNMIRRORED (the face engine judges left/right on the
   camera's own picture); only the on-screen preview is mirrored, by CSS.
   No inline script (CSP). */
(function () {
  "use strict";

  var SAMPLE_MS = 250;        // 4 looks a second: a one-second eye closing spans 3-4 of them
  var LOOK_MS = 1500;         // « Regardez l'écran » before the first step: the still baseline
  var SMALL_W = 96, SMALL_H = 72;  // the motion canvas (cheap on any phone)
  var PIXEL_CHANGE = 24;      // a grey level change (0-255) that is more than sensor noise
  var MOVE_FLOOR = 0.01;      // share of oval pixels changed that counts as a move, at least
  var NOISE_FACTOR = 3;       // ...and this many times the share changed while still
  var SETTLE_LOOKS = 3;       // after a move, this many still looks (0.75 s): the move is done
  var KEEP_AFTER_MOVE = 2;    // frames kept after each moving one (the held turn, closed eyes)

  function speak(text) {
    try {
      if (!text || !("speechSynthesis" in window)) return;
      window.speechSynthesis.cancel();
      var utterance = new SpeechSynthesisUtterance(text);
      utterance.lang = document.documentElement.lang || "fr";
      utterance.rate = 0.85;
      window.speechSynthesis.speak(utterance);
    } catch (e) { /* speech is a help, never a requirement */ }
  }

  function csrfToken(form) {
    var input = form.querySelector("input[name=csrf_token]");
    return input ? input.value : "";
  }

  /* k indices spread evenly over a list (all of it when it is short enough). */
  function spread(list, k) {
    if (k <= 0) return [];
    if (list.length <= k) return list.slice();
    if (k === 1) return [list[Math.floor(list.length / 2)]];
    var out = [];
    for (var j = 0; j < k; j += 1) out.push(list[Math.round(j * (list.length - 1) / (k - 1))]);
    return out;
  }

  /* Up to quota looks of one step: the moving ones (and those just after) first,
     then evenly spread others; in capture order. */
  function pick(looks, quota) {
    var moving = [], rest = [], chosen = {};
    looks.forEach(function (look, i) { (look.keep ? moving : rest).push(i); });
    spread(moving, quota).forEach(function (i) { chosen[i] = true; });
    spread(rest, quota - Object.keys(chosen).length).forEach(function (i) { chosen[i] = true; });
    return looks.filter(function (look, i) { return chosen[i]; });
  }

  /* The oval's pixels on the small canvas (same inset as .proof-oval: 8 % / 25 %). */
  function ovalMask() {
    var mask = [];
    for (var y = 0; y < SMALL_H; y += 1) {
      for (var x = 0; x < SMALL_W; x += 1) {
        var dx = (x + 0.5 - SMALL_W / 2) / (SMALL_W * 0.25);
        var dy = (y + 0.5 - SMALL_H / 2) / (SMALL_H * 0.42);
        if (dx * dx + dy * dy <= 1) mask.push(y * SMALL_W + x);
      }
    }
    return mask;
  }

  function init(root) {
    if (!root || root.dataset.ready) return;
    root.dataset.ready = "1";
    var go = root.querySelector("#proof-go");
    if (!go) return;
    var practice = root.querySelector("#proof-practice");
    var video = root.querySelector("#proof-video");
    var stage = root.querySelector("#proof-stage");
    var intro = root.querySelector("#proof-intro");
    var stepLabel = root.querySelector("#proof-step");
    var instruction = root.querySelector("#proof-instruction");
    var countdown = root.querySelector("#proof-countdown");
    var progress = root.querySelector("#proof-progress");
    var practiced = root.querySelector("#proof-practiced");
    var last = root.querySelector("#proof-last");
    var errorBox = root.querySelector("#proof-error");
    var agency = root.querySelector("#proof-agency");
    var form = root.querySelector("#proof-upload");
    var result = root.querySelector("#proof-result");
    var d = root.dataset;
    var frameBudget = parseInt(d.frames, 10) || 15;
    var stepMin = parseInt(d.stepMinMs, 10) || 2000;
    var stepMax = Math.max(parseInt(d.stepMaxMs, 10) || 6000, stepMin);
    var stream = null;
    var mask = ovalMask();

    function say(text, aloud) {
      instruction.textContent = text;
      if (aloud) speak(text);
    }

    function showCount(ms) {
      if (!countdown) return;
      var seconds = Math.max(0, Math.ceil(ms / 1000));
      countdown.textContent = (d.msgCountdown || "{n}").replace("{n}", String(seconds));
      countdown.hidden = false;
      progress.max = stepMax;
      progress.value = Math.max(0, ms);
      progress.hidden = false;
    }

    function hideSteps() {
      if (countdown) countdown.hidden = true;
      if (stepLabel) stepLabel.textContent = "";
      progress.hidden = true;
    }

    function buttons(visible) {
      go.hidden = !visible;
      go.disabled = !visible;
      if (practice) { practice.hidden = !visible; practice.disabled = !visible; }
    }

    function stop() {
      if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
      stream = null;
    }

    function fail(message, showAgency) {
      stop();
      errorBox.textContent = message;
      errorBox.hidden = false;
      if (showAgency) agency.hidden = false;
      stage.hidden = true;
      hideSteps();
      say("", false);
      buttons(true);
    }

    function openCamera() {
      if (stream) return Promise.resolve(stream);
      if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
        return Promise.reject({ name: "NotFoundError" });
      }
      return navigator.mediaDevices.getUserMedia({
        audio: false,
        video: { facingMode: "user", width: { ideal: 640 }, height: { ideal: 480 } }
      }).then(function (s) {
        stream = s;
        video.srcObject = s;
        return video.play().catch(function () {}).then(function () { return s; });
      });
    }

    function fetchChallenge() {
      return fetch(d.challengeUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(form), "Accept": "application/json" }
      }).then(function (response) {
        return response.json().then(function (body) {
          if (!response.ok) throw { challenge: body };
          return body;
        });
      });
    }

    /* Run the steps: « Regardez l'écran », then each action until seen or stepMax.
       With record, every look also keeps a JPEG of the full frame. Resolves with
       the looks of each phase: [look phase, action 1, action 2]. */
    function runSteps(actions, record) {
      var big = document.createElement("canvas");
      big.width = video.videoWidth || 640;
      big.height = video.videoHeight || 480;
      var small = document.createElement("canvas");
      small.width = SMALL_W;
      small.height = SMALL_H;
      var smallCtx = small.getContext("2d", { willReadFrequently: true });
      var previous = null;
      var phases = [[]];
      var phase = 0, phaseStart = Date.now(), threshold = MOVE_FLOOR;
      var moved = 0, still = 0, bursts = 0, keepLeft = 0;

      function changed() {
        smallCtx.drawImage(video, 0, 0, SMALL_W, SMALL_H);
        var px = smallCtx.getImageData(0, 0, SMALL_W, SMALL_H).data;
        var grey = new Uint8Array(mask.length);
        var count = 0;
        for (var m = 0; m < mask.length; m += 1) {
          var o = mask[m] * 4;
          grey[m] = (px[o] * 77 + px[o + 1] * 150 + px[o + 2] * 29) >> 8;
          if (previous && Math.abs(grey[m] - previous[m]) > PIXEL_CHANGE) count += 1;
        }
        previous = grey;
        return count / mask.length;
      }

      function startPhase(n) {
        phase = n;
        phaseStart = Date.now();
        moved = 0; still = 0; bursts = 0; keepLeft = 0;
        phases.push([]);
        if (stepLabel) stepLabel.textContent = n === 1 ? d.msgStep1 || "" : d.msgStep2 || "";
        say(actions[n - 1].text, true);
        showCount(stepMax);
      }

      return new Promise(function (resolve) {
        say(d.msgLook, true);
        var timer = setInterval(function () {
          var share = changed();
          var look = { share: share, keep: false, blob: null };
          if (record) {
            big.getContext("2d").drawImage(video, 0, 0, big.width, big.height);
            look.blob = new Promise(function (done) { big.toBlob(done, "image/jpeg", 0.85); });
          }
          var looks = phases[phase];
          looks.push(look);
          var elapsed = Date.now() - phaseStart;
          if (phase === 0) {
            if (elapsed < LOOK_MS) return;
            // Sensor noise while the person holds still sets the bar for a move.
            var shares = looks.slice(1).map(function (l) { return l.share; })
              .sort(function (a, b) { return a - b; });
            var median = shares.length ? shares[Math.floor(shares.length / 2)] : 0;
            threshold = Math.max(MOVE_FLOOR, NOISE_FACTOR * median);
            return startPhase(1);
          }
          if (share >= threshold) {
            if (!moved || still > 0) bursts += 1;
            moved += 1;
            still = 0;
            keepLeft = KEEP_AFTER_MOVE;
            look.keep = true;
          } else {
            if (moved) still += 1;
            // The looks just after a move show where it ended (a held turn, closed eyes).
            if (keepLeft > 0) { look.keep = true; keepLeft -= 1; }
          }
          // A blink is two moves (the eyes close, then open); a turn is one, then held.
          var needed = actions[phase - 1].code === "blink" ? 2 : 1;
          var seen = bursts >= needed && still >= SETTLE_LOOKS;
          showCount(stepMax - elapsed);
          if ((seen && elapsed >= stepMin) || elapsed >= stepMax) {
            looks.seen = seen;
            if (phase < actions.length) return startPhase(phase + 1);
            clearInterval(timer);
            resolve(phases);
          }
        }, SAMPLE_MS);
      });
    }

    /* The frames to upload, within the budget: two still ones, then each step's share. */
    function chooseFrames(phases) {
      var lookQuota = 2;
      var rest = frameBudget - lookQuota;
      var first = Math.floor(rest / 2);
      var chosen = spread(phases[0], lookQuota)
        .concat(pick(phases[1], first))
        .concat(pick(phases[2], rest - first));
      return Promise.all(chosen.map(function (look) { return look.blob; }));
    }

    function upload(nonce, blobs) {
      var data = new FormData(form);
      data.append("nonce", nonce);
      blobs.forEach(function (blob, n) {
        if (blob) data.append("frames", blob, "frame-" + n + ".jpg");
      });
      return fetch(form.action, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(form) },
        body: data
      }).then(function (response) { return response.text(); });
    }

    // The server answers with a page (or a partial): keep only the outcome block.
    function show(html) {
      var doc = new DOMParser().parseFromString(html, "text/html");
      var outcome = doc.getElementById("proof-attempt");
      result.replaceChildren();
      if (outcome) result.appendChild(document.importNode(outcome, true));
      else return fail(d.msgNetwork, false);
      if (window.htmx) window.htmx.process(result);
      var heading = result.querySelector("h2, p");
      if (heading) { heading.setAttribute("tabindex", "-1"); heading.focus(); }
    }

    /* The oval, the instruction and the count-down on screen together: the stage's
       top just under the sticky header (a small phone must not scroll mid-capture). */
    function bringIntoView() {
      var header = document.querySelector("header");
      var sticky = header && getComputedStyle(header).position === "sticky";
      var top = stage.getBoundingClientRect().top + window.scrollY;
      window.scrollTo(0, Math.max(0, top - (sticky ? header.offsetHeight : 0) - 8));
    }

    function begin() {
      buttons(false);
      errorBox.hidden = true;
      agency.hidden = true;
      if (practiced) practiced.hidden = true;
      result.replaceChildren();
      return openCamera().then(function () {
        stage.hidden = false;
        if (intro) intro.hidden = true;
        if (last) last.hidden = true;
        bringIntoView();
      }, function (err) {
        var denied = err && (err.name === "NotAllowedError" || err.name === "SecurityError");
        throw { camera: denied ? d.msgDenied : d.msgUnavailable };
      });
    }

    function failed(err) {
      if (err && err.camera) return fail(err.camera, true);
      if (err && err.challenge) {
        var code = err.challenge.error;
        return fail(err.challenge.message, code === "daily_limit" || code === "no_reference");
      }
      fail(d.msgNetwork, false);
    }

    /* Practice: two of the actions, the same waiting steps, nothing fetched or sent. */
    function practiceRun() {
      var codes = ["blink", "turn_left", "turn_right"].sort(function () { return Math.random() - 0.5; });
      var texts = { blink: d.actionBlink, turn_left: d.actionTurnLeft, turn_right: d.actionTurnRight };
      var actions = codes.slice(0, 2).map(function (code) {
        return { code: code, text: texts[code] || code };
      });
      root.dataset.state = "practice";
      begin().then(function () { return runSteps(actions, false); }).then(function (phases) {
        hideSteps();
        say("", false);
        root.dataset.state = "practiced";
        if (practiced) {
          var missed = phases.slice(1).some(function (looks) { return !looks.seen; });
          practiced.textContent = missed ? d.msgPracticeMissed : d.msgPracticeDone;
          practiced.hidden = false;
          speak(practiced.textContent);
        }
        go.textContent = d.msgForReal || go.textContent;
        go.classList.add("btn-primary");
        if (practice) {
          practice.textContent = d.msgPracticeAgain || practice.textContent;
          practice.classList.remove("btn-primary");
        }
        buttons(true);
        go.focus();
      }).catch(failed);
    }

    function realRun() {
      root.dataset.state = "capture";
      var started = 0;
      begin().then(fetchChallenge).then(function (challenge) {
        started = Date.now();
        return runSteps(challenge.actions, true).then(function (phases) {
          root.dataset.captureMs = String(Date.now() - started);
          stop();
          stage.hidden = true;
          hideSteps();
          say(d.msgSending, false);
          return chooseFrames(phases).then(function (blobs) {
            root.dataset.frameCount = String(blobs.length);
            root.dataset.uploadBytes = String(blobs.reduce(function (n, b) { return n + (b ? b.size : 0); }, 0));
            return upload(challenge.nonce, blobs);
          });
        });
      }).then(function (html) {
        root.dataset.state = "sent";
        say("", false);
        show(html);
      }).catch(failed);
    }

    go.addEventListener("click", realRun);
    if (practice) practice.addEventListener("click", practiceRun);
  }

  function scan() { init(document.getElementById("proof-camera")); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", scan);
  else scan();
  document.addEventListener("htmx:afterSwap", scan);
})();
