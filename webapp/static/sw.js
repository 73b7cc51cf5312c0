/* DialVie service worker (scope /).
   - Shell (CSS, JS, icons, offline page, guide) precached at install.
   - Pages network-first; the pensioner's payments, alerts and attestation pages
     are also kept in a private per-user cache so they open offline.
   - The per-user cache is deleted at logout or when another user logs in. */
"use strict";
const VERSION = "v1";
const SHELL_CACHE = "shell-" + VERSION;
const META_CACHE = "meta";
const SHELL = [
  "/offline",
  "/guide/",
  "/guide/install", "/guide/login", "/guide/payments", "/guide/attestation",
  "/guide/contact", "/guide/alerts", "/guide/offline",
  "/static/css/app.css",
  "/static/js/htmx.min.js",
  "/static/js/app.js",
  "/static/icons/icon-192.png",
  "/static/icons/icon-512.png",
  "/static/icons/maskable-512.png",
  "/manifest.webmanifest",
];
// Pages kept per user for offline reading (full pages and their htmx partials).
const PRIVATE_PAGES = [/^\/space\/?$/, /^\/space\/payments$/, /^\/space\/alerts$/, /^\/space\/attestation$/];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL_CACHE).then((cache) => cache.addAll(SHELL)));
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("shell-") && name !== SHELL_CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

async function currentUser() {
  const meta = await caches.open(META_CACHE);
  const hit = await meta.match("/__user");
  return hit ? hit.text() : "";
}

async function setUser(key) {
  const previous = await currentUser();
  if (previous && previous !== key) await caches.delete("user-" + previous);
  const meta = await caches.open(META_CACHE);
  await meta.put("/__user", new Response(key));
}

async function forgetUser() {
  for (const name of await caches.keys()) {
    if (name.startsWith("user-")) await caches.delete(name);
  }
  await caches.delete(META_CACHE);
}

self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type === "skipWaiting") self.skipWaiting();
  else if (data.type === "user" && data.key) event.waitUntil(setUser(data.key));
  else if (data.type === "logout") event.waitUntil(forgetUser());
});

function cacheKey(request) {
  // A partial and a full page share a URL; keep them apart in the cache.
  const url = new URL(request.url);
  url.search = "";
  if (request.headers.get("HX-Request")) url.searchParams.set("__partial", "1");
  return url.toString();
}

async function privatePage(request) {
  const user = await currentUser();
  const key = cacheKey(request);
  try {
    const response = await fetch(request);
    if (user && response.ok && response.status === 200 && !response.redirected) {
      const cache = await caches.open("user-" + user);
      await cache.put(key, response.clone());
    }
    return response;
  } catch (err) {
    if (user) {
      const cache = await caches.open("user-" + user);
      const hit = await cache.match(key);
      if (hit) return hit;
    }
    return offlineFallback(request);
  }
}

async function offlineFallback(request) {
  if (request.headers.get("HX-Request")) {
    // htmx shows the offline banner on 503 and then navigates, served from cache.
    return new Response("", { status: 503, statusText: "Offline" });
  }
  const shell = await caches.open(SHELL_CACHE);
  return (await shell.match("/offline")) || new Response("Offline", { status: 503 });
}

async function networkFirst(request) {
  try {
    const response = await fetch(request);
    return response;
  } catch (err) {
    const shell = await caches.open(SHELL_CACHE);
    const hit = await shell.match(request, { ignoreSearch: true });
    if (hit && !request.headers.get("HX-Request")) return hit;
    return offlineFallback(request);
  }
}

async function cacheFirst(request) {
  const shell = await caches.open(SHELL_CACHE);
  const hit = await shell.match(request, { ignoreSearch: true });
  if (hit) return hit;
  return fetch(request);
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === "POST" && url.pathname === "/auth/logout") {
    event.waitUntil(forgetUser());
    return;
  }
  if (request.method !== "GET") return;
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(cacheFirst(request));
  } else if (PRIVATE_PAGES.some((re) => re.test(url.pathname))) {
    event.respondWith(privatePage(request));
  } else if (request.mode === "navigate" || request.headers.get("HX-Request")) {
    event.respondWith(networkFirst(request));
  }
});
