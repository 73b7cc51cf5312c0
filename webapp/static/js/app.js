/* DialVie page script: service worker, offline banner, update prompt, install help.
   No inline scripts anywhere (the CSP forbids them). */
(function () {
  "use strict";
  var body = document.body;
  var offlineBanner = document.getElementById("offline-banner");
  var updateBanner = document.getElementById("update-banner");

  function showOffline(on) { if (offlineBanner) offlineBanner.hidden = !on; }
  window.addEventListener("online", function () { showOffline(false); });
  window.addEventListener("offline", function () { showOffline(true); });
  if (!navigator.onLine) showOffline(true);

  // A failed htmx request: say we are offline, then let the service worker
  // serve the cached full page (or the offline page) for a GET navigation.
  document.addEventListener("htmx:sendError", function (evt) {
    showOffline(true);
    var cfg = evt.detail && evt.detail.requestConfig;
    if (cfg && cfg.verb === "get" && cfg.path) { window.location.assign(cfg.path); }
  });
  document.addEventListener("htmx:responseError", function (evt) {
    if (evt.detail && evt.detail.xhr && evt.detail.xhr.status === 503) showOffline(true);
  });
  // Move focus to the new content after a swap, for screen readers and keyboards.
  document.addEventListener("htmx:afterSwap", function (evt) {
    if (evt.detail && evt.detail.target && evt.detail.target.id === "main") {
      var menu = document.getElementById("menu");
      if (menu) menu.removeAttribute("open");
      var h1 = evt.detail.target.querySelector("h1");
      if (h1) { h1.setAttribute("tabindex", "-1"); h1.focus(); }
    }
  });

  // Install help: Android's prompt, iOS instructions.
  var installHelp = document.getElementById("install-help");
  var deferredPrompt = null;
  var standalone = window.matchMedia("(display-mode: standalone)").matches || window.navigator.standalone;
  window.addEventListener("beforeinstallprompt", function (evt) {
    evt.preventDefault();
    deferredPrompt = evt;
    if (installHelp && !standalone) {
      installHelp.hidden = false;
      document.getElementById("install-android").hidden = false;
    }
  });
  document.addEventListener("click", function (evt) {
    if (evt.target && evt.target.id === "install-button" && deferredPrompt) {
      deferredPrompt.prompt();
      deferredPrompt = null;
      installHelp.hidden = true;
    }
  });
  if (installHelp && !standalone && /iphone|ipad|ipod/i.test(navigator.userAgent)) {
    installHelp.hidden = false;
    document.getElementById("install-ios").hidden = false;
  }

  if (!("serviceWorker" in navigator)) return;

  function tellWorker(message) {
    navigator.serviceWorker.ready.then(function (reg) {
      if (reg.active) reg.active.postMessage(message);
    });
  }
  // Which user's private cache pages go to; logout clears it.
  if (body.dataset.loggedOut) {
    tellWorker({ type: "logout" });
  } else if (body.dataset.user) {
    tellWorker({ type: "user", key: body.dataset.user });
  }

  function offerUpdate(worker) {
    if (!updateBanner) return;
    updateBanner.hidden = false;
    document.getElementById("update-button").onclick = function () {
      worker.postMessage({ type: "skipWaiting" });
    };
  }
  var reloading = false;
  navigator.serviceWorker.addEventListener("controllerchange", function () {
    if (reloading) return;
    reloading = true;
    window.location.reload();
  });
  navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(function (reg) {
    if (reg.waiting && navigator.serviceWorker.controller) offerUpdate(reg.waiting);
    reg.addEventListener("updatefound", function () {
      var worker = reg.installing;
      if (!worker) return;
      worker.addEventListener("statechange", function () {
        if (worker.state === "installed" && navigator.serviceWorker.controller) offerUpdate(worker);
      });
    });
  });
})();
