/* Web push opt-in (templates/push/_offer.html).

   Permission is asked only when the pensioner taps « Oui, me prévenir », never
   on page load. The box shows one state: ask, on, denied (how to allow it
   again), ios (add to the home screen first) or error. Works after htmx swaps. */
"use strict";
(function () {
  function keyBytes(base64url) {
    const b64 = (base64url + "===".slice((base64url.length + 3) % 4))
      .replace(/-/g, "+").replace(/_/g, "/");
    return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  }

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (e) {
      return "";
    }
  }

  function show(box, name) {
    box.hidden = false;
    box.querySelectorAll("[data-push-state]").forEach((el) => {
      el.hidden = el.dataset.pushState !== name;
    });
  }

  function isIOSBrowserTab() {
    return /iPhone|iPad|iPod/.test(navigator.userAgent) && !navigator.standalone;
  }

  async function currentState() {
    if (isIOSBrowserTab()) return "ios";
    if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
      return null; // this browser cannot receive push: SMS or e-mail will do
    }
    if (Notification.permission === "denied") return "denied";
    const reg = await navigator.serviceWorker.getRegistration("/");
    const sub = reg && (await reg.pushManager.getSubscription());
    return sub ? "on" : "ask";
  }

  async function refresh() {
    const boxes = document.querySelectorAll("[data-push]");
    if (!boxes.length) return;
    const state = await currentState();
    boxes.forEach((box) => (state ? show(box, state) : (box.hidden = true)));
  }

  async function post(url, body) {
    const res = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error("push " + res.status);
  }

  async function subscribe(box) {
    const permission = await Notification.requestPermission();
    if (permission !== "granted") return show(box, permission === "denied" ? "denied" : "ask");
    const reg = await navigator.serviceWorker.ready;
    const sub = await reg.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: keyBytes(box.dataset.key),
    });
    await post(box.dataset.subscribe, sub.toJSON());
    show(box, "on");
  }

  async function unsubscribe(box) {
    const reg = await navigator.serviceWorker.getRegistration("/");
    const sub = reg && (await reg.pushManager.getSubscription());
    if (sub) {
      await post(box.dataset.unsubscribe, { endpoint: sub.endpoint });
      await sub.unsubscribe();
    }
    show(box, "ask");
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-push-action]");
    if (!button) return;
    const box = button.closest("[data-push]");
    button.disabled = true;
    const action = button.dataset.pushAction === "subscribe" ? subscribe : unsubscribe;
    action(box)
      .catch(() => show(box, "error"))
      .finally(() => (button.disabled = false));
  });
  document.addEventListener("DOMContentLoaded", refresh);
  document.addEventListener("htmx:afterSettle", refresh);
})();
