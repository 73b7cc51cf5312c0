/* DialVie page script: service worker, offline banner, update prompt, install help.
   No inline scripts anywhere (the CSP forbids them). */
(function () {
  "use strict";
  var body = document.body;
  var OFFLINE_HEADER = "X-DialVie-Offline";

  function byId(id) { return document.getElementById(id); }
  var offlineNow = false;
  function showOffline(on) {
    offlineNow = !!on;
    var banner = byId("offline-banner");
    if (banner) banner.hidden = !on;
    markNetworkActions();
  }
  // What needs the network (sending a form, downloading the PDF) is switched off
  // while offline, with the reason written next to it; back online, back on.
  var NEEDS_NETWORK = "form[method=post] [type=submit], form[method=POST] [type=submit], " +
    "[hx-post], [data-needs-network]";
  function markNetworkActions() {
    var reasonText = byId("offline-reason");
    var items = document.querySelectorAll(NEEDS_NETWORK);
    for (var i = 0; i < items.length; i++) {
      var el = items[i];
      if (el.closest(".topbar")) continue;  // the menu and language switch stay as they are
      var note = el.nextElementSibling;
      var hasNote = note && note.classList.contains("offline-reason");
      if (offlineNow) {
        el.classList.add("needs-network-off");
        el.setAttribute("aria-disabled", "true");
        if (el.tagName === "BUTTON" || el.tagName === "INPUT") {
          if (!el.disabled) el.setAttribute("data-offline-disabled", "1");
          el.disabled = true;
        }
        if (!hasNote && reasonText) {
          note = document.createElement("p");
          note.className = "offline-reason";
          note.id = "offline-reason-" + i;
          note.textContent = reasonText.textContent;
          el.insertAdjacentElement("afterend", note);
          el.setAttribute("aria-describedby", note.id);
        }
      } else {
        el.classList.remove("needs-network-off");
        el.removeAttribute("aria-disabled");
        if (el.getAttribute("data-offline-disabled")) {
          el.disabled = false;
          el.removeAttribute("data-offline-disabled");
        }
        if (hasNote) {
          note.remove();
          el.removeAttribute("aria-describedby");
        }
      }
    }
  }
  // A link that needs the network does nothing while offline (its note says why).
  document.addEventListener("click", function (evt) {
    var el = evt.target && evt.target.closest && evt.target.closest("[data-needs-network]");
    if (el && offlineNow) { evt.preventDefault(); evt.stopPropagation(); }
  }, true);
  window.addEventListener("online", function () { showOffline(false); });
  window.addEventListener("offline", function () { showOffline(true); });
  // Offline, or a copy the service worker served with the banner on.
  var bannerShown = byId("offline-banner") && !byId("offline-banner").hidden;
  if (!navigator.onLine || bannerShown) showOffline(true);

  // The shortcut bar is one row fixed at the bottom. When a label does not fit
  // its shortcut (very large text), the bar shows icons only. Keep the bar's
  // height free under the page so it never hides the last lines.
  function labelsOverflow(bar) {
    var labels = bar.querySelectorAll(".shortcut-label");
    for (var i = 0; i < labels.length; i++) {
      var label = labels[i];
      if (label.scrollWidth > label.parentNode.clientWidth + 0.5) return true;
    }
    return bar.scrollWidth > bar.clientWidth + 0.5;
  }
  function roomForShortcuts() {
    var bar = byId("shortcuts");
    if (!bar) return;
    bar.classList.remove("shortcuts-compact");
    if (labelsOverflow(bar)) bar.classList.add("shortcuts-compact");
    body.style.paddingBottom = (bar.offsetHeight + 16) + "px";
    document.documentElement.style.scrollPaddingBottom = (bar.offsetHeight + 16) + "px";
  }
  roomForShortcuts();
  window.addEventListener("resize", roomForShortcuts);
  document.addEventListener("htmx:afterSettle", roomForShortcuts);
  document.addEventListener("htmx:afterSettle", markNetworkActions);
  // A payment opened near the bottom shows its details above the bar, not under it
  // (scrollIntoView keeps the scroll padding set above). "toggle" does not bubble.
  document.addEventListener("toggle", function (evt) {
    var details = evt.target;
    if (details.open && details.classList && details.classList.contains("payment")) {
      details.scrollIntoView({ block: "nearest" });
    }
  }, true);

  /* ---- htmx and the network ---- */

  // No answer at all (no service worker yet): keep the screen, say why.
  document.addEventListener("htmx:sendError", function () { showOffline(true); });
  // The service worker answers 503 when offline and the screen is not cached.
  // If the full page was kept, open it; otherwise stay and show the banner.
  document.addEventListener("htmx:responseError", function (evt) {
    var xhr = evt.detail && evt.detail.xhr;
    if (!xhr || xhr.getResponseHeader(OFFLINE_HEADER) !== "1") return;
    showOffline(true);
    var cfg = evt.detail.requestConfig;
    var target = evt.detail.target;
    if (!cfg || cfg.verb !== "get" || !cfg.path) return;
    // A screen (not a piece of one): open it in full. The service worker answers
    // with the kept copy, or with the offline page that says what can be read.
    if (target && target.id === "main") window.location.assign(cfg.path);
  });
  // A screen came back: from the offline copy (banner on) or the network (off).
  document.addEventListener("htmx:afterRequest", function (evt) {
    var xhr = evt.detail && evt.detail.xhr;
    if (!xhr || !evt.detail.successful) return;
    showOffline(xhr.getResponseHeader(OFFLINE_HEADER) === "1");
  });
  // Move focus to the new content after a swap, for screen readers and keyboards.
  document.addEventListener("htmx:afterSwap", function (evt) {
    if (evt.detail && evt.detail.target && evt.detail.target.id === "main") {
      var menu = byId("menu");
      if (menu) menu.removeAttribute("open");
      var h1 = evt.detail.target.querySelector("h1");
      if (h1) { h1.setAttribute("tabindex", "-1"); h1.focus(); }
    }
  });

  // The menu closes like people expect: a tap outside it, or the Escape key.
  document.addEventListener("click", function (evt) {
    var menu = byId("menu");
    if (menu && menu.open && !menu.contains(evt.target)) menu.removeAttribute("open");
  });
  document.addEventListener("keydown", function (evt) {
    var menu = byId("menu");
    if (evt.key !== "Escape" || !menu || !menu.open) return;
    menu.removeAttribute("open");
    menu.querySelector("summary").focus();
  });

  /* ---- install help: Android's prompt, iOS instructions ---- */

  var standalone = window.matchMedia("(display-mode: standalone)").matches ||
    window.navigator.standalone === true;
  var deferredPrompt = null;
  function showInstall(which) {
    var help = byId("install-help");
    var part = byId(which);
    if (!help || !part || standalone) return;
    help.hidden = false;
    part.hidden = false;
  }
  window.addEventListener("beforeinstallprompt", function (evt) {
    evt.preventDefault();
    deferredPrompt = evt;
    showInstall("install-android");
  });
  window.addEventListener("appinstalled", function () {
    var help = byId("install-help");
    if (help) help.hidden = true;
  });
  document.addEventListener("click", function (evt) {
    var button = evt.target && evt.target.closest && evt.target.closest("#install-button");
    if (!button || !deferredPrompt) return;
    deferredPrompt.prompt();
    deferredPrompt = null;
    byId("install-help").hidden = true;
  });
  // iPhone and iPad (iPadOS says "Macintosh" but has touch): Safari has no prompt.
  var ua = navigator.userAgent;
  if (/iphone|ipad|ipod/i.test(ua) || (/macintosh/i.test(ua) && navigator.maxTouchPoints > 1)) {
    showInstall("install-ios");
  }
  // htmx swaps bring the install card back hidden: show it again when relevant.
  document.addEventListener("htmx:afterSettle", function () {
    if (deferredPrompt) showInstall("install-android");
  });

  /* ---- service worker ---- */

  if (!("serviceWorker" in navigator)) return;
  var sw = navigator.serviceWorker;

  function tellWorker(message) {
    sw.ready.then(function (reg) {
      if (reg.active) reg.active.postMessage(message);
    });
  }
  // Whose private cache pages go to; the logged-out page clears it.
  if (body.dataset.loggedOut) {
    tellWorker({ type: "logout" });
  } else if (body.dataset.user) {
    tellWorker({ type: "user", key: body.dataset.user });
  }

  function offerUpdate(worker) {
    var banner = byId("update-banner");
    var button = byId("update-button");
    if (!banner || !button) return;
    banner.hidden = false;
    button.onclick = function () {
      button.disabled = true;
      worker.postMessage({ type: "skipWaiting" });
    };
  }
  var hadController = !!sw.controller;
  var reloading = false;
  sw.addEventListener("controllerchange", function () {
    // The first install takes control silently; only an update reloads.
    if (!hadController) { hadController = true; return; }
    if (reloading) return;
    reloading = true;
    window.location.reload();
  });
  function whenInstalled(worker) {
    if (!worker) return;
    worker.addEventListener("statechange", function () {
      if (worker.state === "installed" && sw.controller) offerUpdate(worker);
    });
  }
  sw.register("/sw.js", { scope: "/" }).then(function (reg) {
    if (reg.waiting && sw.controller) offerUpdate(reg.waiting);
    // The navigation may already have started installing a new version.
    whenInstalled(reg.installing);
    reg.addEventListener("updatefound", function () { whenInstalled(reg.installing); });
    // An app left open for days still hears about a new version.
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible" && navigator.onLine) {
        reg.update().catch(function () { return undefined; });
      }
    });
  }).catch(function () { return undefined; });
})();
