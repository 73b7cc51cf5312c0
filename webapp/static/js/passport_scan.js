/* Passport scan: the back camera with a frame for the open identity page. Frames are
   sent one at a time; each goes to the MRZ job and its status block (htmx polling)
   says whether the MRZ read valid. An invalid frame brings the next one; a valid
   one moves the page on (HX-Redirect). No inline script (CSP). */
(function () {
  "use strict";

  var MAX_FRAMES = 40;
  var PAUSE_MS = 700;

  function init(root) {
    if (!root || root.dataset.ready) return;
    root.dataset.ready = "1";
    var go = root.querySelector("#scan-go");
    var stage = root.querySelector("#scan-stage");
    var video = root.querySelector("#scan-video");
    var status = root.querySelector("#scan-status");
    var errorBox = root.querySelector("#scan-error");
    var form = root.querySelector("#scan-upload");
    var stream = null;
    var sent = 0;
    var scanning = false;

    function csrf() { return form.querySelector("input[name=csrf_token]").value; }

    function stop() {
      scanning = false;
      if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
      stream = null;
      stage.hidden = true;
      go.hidden = false;
      go.disabled = false;
    }

    function fail(message) {
      stop();
      errorBox.textContent = message;
      errorBox.hidden = false;
      form.querySelector("input[type=file]").focus();
    }

    function grab() {
      var canvas = document.createElement("canvas");
      canvas.width = video.videoWidth || 1280;
      canvas.height = video.videoHeight || 720;
      canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", 0.92); });
    }

    function show(html) {
      var doc = new DOMParser().parseFromString(html, "text/html");
      var state = doc.getElementById("scan-state");
      if (!state) return false;
      status.replaceChildren(document.importNode(state, true));
      if (window.htmx) window.htmx.process(status);
      return true;
    }

    function next() {
      if (!scanning) return;
      if (sent >= MAX_FRAMES) { fail(root.dataset.msgGiveup); return; }
      sent += 1;
      grab().then(function (blob) {
        var data = new FormData();
        data.append("image", blob, "page.jpg");
        return fetch(root.dataset.frameUrl, {
          method: "POST", credentials: "same-origin", body: data,
          headers: { "X-CSRFToken": csrf(), "HX-Request": "true" }
        });
      }).then(function (response) {
        var target = response.headers.get("HX-Redirect");
        if (target) { stop(); window.location.assign(target); return; }
        return response.text().then(function (html) {
          if (!show(html)) throw new Error("no status");
          judge();
        });
      }).catch(function () { setTimeout(next, 2000); });
    }

    // Called after each status change: an invalid frame brings the next one.
    function judge() {
      var state = status.querySelector("#scan-state");
      if (scanning && state && state.dataset.state === "invalid") setTimeout(next, PAUSE_MS);
    }

    status.addEventListener("htmx:afterSettle", judge);

    go.addEventListener("click", function () {
      errorBox.hidden = true;
      go.disabled = true;
      if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
        fail(root.dataset.msgUnavailable);
        return;
      }
      navigator.mediaDevices.getUserMedia({
        audio: false,
        video: { facingMode: { ideal: "environment" }, width: { ideal: 1920 }, height: { ideal: 1080 } }
      }).then(function (s) {
        stream = s;
        video.srcObject = s;
        stage.hidden = false;
        go.hidden = true;
        scanning = true;
        sent = 0;
        return video.play().catch(function () {}).then(function () { setTimeout(next, 800); });
      }, function (err) {
        var denied = err && (err.name === "NotAllowedError" || err.name === "SecurityError");
        fail(denied ? root.dataset.msgDenied : root.dataset.msgUnavailable);
      });
    });
  }

  function scan() { init(document.getElementById("passport-scan")); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", scan);
  else scan();
  document.addEventListener("htmx:afterSwap", scan);
})();
