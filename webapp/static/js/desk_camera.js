/* Enrolment at the desk: a live preview of the desk's camera. « Prendre la photo » freezes
   a still beside the file's name and birth date and puts it, as a JPEG, into the form's
   file input (DataTransfer), so the form posts exactly as with a chosen file and the
   server runs the same face checks. Neither the preview nor the still is mirrored: the
   adviser sees what the camera sees, and the stored reference is the camera's picture.
   Without a camera, or when the permission is refused, the file input stays, with the
   reason. The camera is only on between « Allumer » and the shot. No inline script (CSP). */
(function () {
  "use strict";

  var JPEG_QUALITY = 0.92;

  function init(root) {
    if (!root || root.dataset.ready) return;
    root.dataset.ready = "1";
    var form = root.closest("form");
    var input = form.querySelector("#photo");
    var fileField = form.querySelector("#desk-file-field");
    var errorBox = form.querySelector("#desk-camera-error");
    var video = root.querySelector("#desk-video");
    var still = root.querySelector("#desk-still");
    var off = root.querySelector("#desk-off");
    var start = root.querySelector("#desk-start");
    var take = root.querySelector("#desk-take");
    var retake = root.querySelector("#desk-retake");
    var status = root.querySelector("#desk-status");
    var stream = null;

    function fallback(message) {
      stop();
      root.hidden = true;
      fileField.hidden = false;
      errorBox.textContent = message;
      errorBox.hidden = false;
    }

    function stop() {
      if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
      stream = null;
      video.srcObject = null;
    }

    function clearPhoto() {
      input.value = "";
    }

    // Back to « Allumer la caméra »: the tab was left (the camera goes off) or the
    // camera stopped by itself (unplugged). A still already taken is kept.
    function switchOff(message) {
      if (!stream) return;
      stop();
      video.hidden = true;
      off.hidden = false;
      take.hidden = true;
      start.hidden = false;
      start.disabled = false;
      fileField.hidden = false;
      status.textContent = message;
    }

    function live() {
      clearPhoto();
      start.disabled = true;
      retake.hidden = true;
      navigator.mediaDevices.getUserMedia({
        audio: false,
        video: { width: { ideal: 1280 }, height: { ideal: 960 } }
      }).then(function (s) {
        stream = s;
        video.srcObject = s;
        s.getVideoTracks().forEach(function (track) {
          track.addEventListener("ended", function () {
            if (stream === s) switchOff(root.dataset.msgEnded);
          });
        });
        return video.play().catch(function () {});
      }).then(function () {
        off.hidden = true;
        still.hidden = true;
        video.hidden = false;
        start.hidden = true;
        take.hidden = false;
        fileField.hidden = true;
        errorBox.hidden = true;
        status.textContent = root.dataset.msgLive;
        take.focus();
      }).catch(function (err) {
        start.disabled = false;
        var denied = err && (err.name === "NotAllowedError" || err.name === "SecurityError");
        fallback(denied ? root.dataset.msgDenied : root.dataset.msgUnavailable);
      });
    }

    function shoot() {
      if (!stream || !video.videoWidth) return;
      still.width = video.videoWidth;
      still.height = video.videoHeight;
      still.getContext("2d").drawImage(video, 0, 0, still.width, still.height);
      still.toBlob(function (blob) {
        if (!blob) return fallback(root.dataset.msgUnavailable);
        var files = new DataTransfer();
        files.items.add(new File([blob], "desk-photo.jpg", { type: "image/jpeg" }));
        input.files = files.files;
        stop();
        video.hidden = true;
        still.hidden = false;
        take.hidden = true;
        retake.hidden = false;
        status.textContent = root.dataset.msgTaken;
        retake.focus();
      }, "image/jpeg", JPEG_QUALITY);
    }

    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia ||
        typeof DataTransfer === "undefined") {
      return fallback(root.dataset.msgUnavailable);
    }
    root.hidden = false;
    start.addEventListener("click", live);
    take.addEventListener("click", shoot);
    retake.addEventListener("click", live);
    // The camera is on and no photo yet: say so here rather than post an empty form.
    form.addEventListener("submit", function (event) {
      if (!root.hidden && fileField.hidden && !(input.files && input.files.length)) {
        event.preventDefault();
        status.textContent = root.dataset.msgFirst;
        (take.hidden ? start : take).focus();
      }
    });
    window.addEventListener("pagehide", stop);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") switchOff("");
    });
    // A desk with no camera at all: the file input at once, before any click.
    if (navigator.mediaDevices.enumerateDevices) {
      navigator.mediaDevices.enumerateDevices().then(function (devices) {
        var cameras = devices.filter(function (d) { return d.kind === "videoinput"; });
        if (!cameras.length) fallback(root.dataset.msgUnavailable);
        else if (root.dataset.autostart) live();
      }, function () {});
    } else if (root.dataset.autostart) {
      live();
    }
  }

  function scan() { init(document.getElementById("desk-camera")); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", scan);
  else scan();
  document.addEventListener("htmx:afterSwap", scan);
})();
