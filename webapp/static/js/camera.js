/* Proof of life camera: front camera in an oval, the challenge read out one step at a
   time, a burst of JPEG frames uploaded with the nonce, then the htmx polling partial.
   Frames are drawn UNMIRRORED (the face engine judges left/right on the camera's own
   picture); only the on-screen preview is mirrored, by CSS. No inline script (CSP). */
(function () {
  "use strict";

  function sleep(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }

  function speak(text) {
    try {
      if (!("speechSynthesis" in window)) return;
      window.speechSynthesis.cancel();
      var utterance = new SpeechSynthesisUtterance(text);
      utterance.lang = document.documentElement.lang || "fr";
      utterance.rate = 0.9;
      window.speechSynthesis.speak(utterance);
    } catch (e) { /* speech is a help, never a requirement */ }
  }

  function csrfToken(form) {
    var input = form.querySelector("input[name=csrf_token]");
    return input ? input.value : "";
  }

  function init(root) {
    if (!root || root.dataset.ready) return;
    root.dataset.ready = "1";
    var go = root.querySelector("#proof-go");
    if (!go) return;
    var video = root.querySelector("#proof-video");
    var stage = root.querySelector("#proof-stage");
    var intro = root.querySelector("#proof-intro");
    var instruction = root.querySelector("#proof-instruction");
    var progress = root.querySelector("#proof-progress");
    var errorBox = root.querySelector("#proof-error");
    var agency = root.querySelector("#proof-agency");
    var form = root.querySelector("#proof-upload");
    var result = root.querySelector("#proof-result");
    var frameCount = parseInt(root.dataset.frames, 10) || 15;
    var duration = parseInt(root.dataset.duration, 10) || 3000;
    var stream = null;

    function say(text, aloud) {
      instruction.textContent = text;
      if (aloud) speak(text);
    }

    function fail(message, showAgency) {
      stop();
      errorBox.textContent = message;
      errorBox.hidden = false;
      if (showAgency) agency.hidden = false;
      stage.hidden = true;
      progress.hidden = true;
      say("", false);
      go.hidden = false;
      go.disabled = false;
    }

    function stop() {
      if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
      stream = null;
    }

    function openCamera() {
      if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
        return Promise.reject({ name: "NotFoundError" });
      }
      return navigator.mediaDevices.getUserMedia({
        audio: false,
        video: { facingMode: "user", width: { ideal: 640 }, height: { ideal: 480 } }
      });
    }

    function fetchChallenge() {
      return fetch(root.dataset.challengeUrl, {
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

    function grab(canvas) {
      var ctx = canvas.getContext("2d");
      ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", 0.85); });
    }

    // The burst: the first action during the first half, the second during the rest.
    function capture(challenge) {
      var canvas = document.createElement("canvas");
      canvas.width = video.videoWidth || 640;
      canvas.height = video.videoHeight || 480;
      var blobs = [];
      var step = duration / frameCount;
      var i = 0;
      progress.max = frameCount;
      progress.value = 0;
      progress.hidden = false;
      function next() {
        if (i === 0) say(challenge.actions[0].text, true);
        if (i === Math.floor(frameCount / 2)) say(challenge.actions[1].text, true);
        blobs.push(grab(canvas));
        i += 1;
        progress.value = i;
        if (i < frameCount) return sleep(step).then(next);
        return Promise.all(blobs);
      }
      return next();
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
      else return fail(root.dataset.msgNetwork, false);
      if (window.htmx) window.htmx.process(result);
      var heading = result.querySelector("h2, p");
      if (heading) { heading.setAttribute("tabindex", "-1"); heading.focus(); }
    }

    go.addEventListener("click", function () {
      go.disabled = true;
      errorBox.hidden = true;
      agency.hidden = true;
      result.innerHTML = "";
      openCamera().then(function (s) {
        stream = s;
        video.srcObject = s;
        stage.hidden = false;
        if (intro) intro.hidden = true;
        go.hidden = true;
        return video.play().catch(function () {}).then(fetchChallenge);
      }, function (err) {
        var denied = err && (err.name === "NotAllowedError" || err.name === "SecurityError");
        throw { camera: denied ? root.dataset.msgDenied : root.dataset.msgUnavailable };
      }).then(function (challenge) {
        say(root.dataset.msgLook, true);
        return sleep(1500).then(function () { return capture(challenge); }).then(function (blobs) {
          stop();
          stage.hidden = true;
          progress.hidden = true;
          say(root.dataset.msgSending, false);
          return upload(challenge.nonce, blobs);
        });
      }).then(function (html) {
        say("", false);
        show(html);
      }).catch(function (err) {
        if (err && err.camera) return fail(err.camera, true);
        if (err && err.challenge) return fail(err.challenge.message, err.challenge.error === "daily_limit" || err.challenge.error === "no_reference");
        fail(root.dataset.msgNetwork, false);
      });
    });
  }

  function scan() { init(document.getElementById("proof-camera")); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", scan);
  else scan();
  document.addEventListener("htmx:afterSwap", scan);
})();
