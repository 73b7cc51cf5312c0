/* DialVie service worker (scope /).

   - The shell (CSS, JS, icons, manifest, offline page, guide) is precached at
     install into a cache named after VERSION; a new deploy changes VERSION, the
     new worker waits, the page offers "Mettre à jour", and the old cache is
     deleted when the new worker takes over.
   - Static files are served stale-while-revalidate: instantly from the cache,
     refreshed in the background, so a deploy reaches users on their next visit
     even before the worker itself changes.
   - Pages are network-first. The pensioner's own pages (home, payments, alerts,
     attestation) are also copied into a per-user cache, but only GET 200
     answers marked "Cache-Control: private", so they can be read offline.
   - The per-user cache is deleted at logout (the POST /auth/logout request and
     the logged-out page's message) and as soon as another user's page arrives.
   - Staff pages are never cached.
   - Web push: a reminder shows as a notification in the pensioner's language;
     a tap focuses an open DialVie window or opens « Attester de votre vie ». */
"use strict";

// The /sw.js route appends a digest of the shell's files to this value, so a
// deploy that changes the shell renames the shell cache and the browser sees a
// new worker, which the page then offers to install. Bump it by hand only to
// force a new worker when the shell did not change.
const VERSION = "2026-11-29.1";
const SHELL_CACHE = "dialvie-shell-" + VERSION;
const USER_PREFIX = "dialvie-user-";
const META_CACHE = "dialvie-meta";
const USER_KEY_URL = "/__dialvie/user";
const OFFLINE_URL = "/offline";
const OFFLINE_HEADER = "X-DialVie-Offline";

const SHELL = [
  OFFLINE_URL,
  "/guide/",
  "/guide/install", "/guide/login", "/guide/payments", "/guide/attestation",
  "/guide/contact", "/guide/alerts", "/guide/offline",
  "/guide/enrol", "/guide/proof", "/guide/reminders", "/guide/agency",
  "/static/css/guide.css",
  "/static/img/guide/enrol-passport.svg", "/static/img/guide/enrol-selfie.svg",
  "/static/img/guide/proof-selfie.svg", "/static/img/guide/reminders.svg",
  "/static/img/guide/agency.svg",
  "/static/css/app.css",
  "/static/js/htmx.min.js",
  "/static/js/app.js",
  "/static/js/push.js",
  "/static/icons/icon-192.png",
  "/static/icons/icon-512.png",
  "/static/icons/maskable-512.png",
  "/static/icons/apple-touch-icon.png",
  "/manifest.webmanifest",
];
// The pensioner's pages kept for offline reading (full pages and htmx partials).
const PRIVATE_PAGES = [/^\/space\/?$/, /^\/space\/payments$/, /^\/space\/payments\/\d{4}$/,
  /^\/space\/alerts$/, /^\/space\/attestation$/];
const NEVER_CACHED = [/^\/staff(\/|$)/, /^\/auth\//, /^\/lang\//, /^\/sw\.js$/];

self.addEventListener("install", (event) => {
  // Anonymous, uncached copies: the shell must not carry a user's session or
  // a stale file from the HTTP cache.
  event.waitUntil(caches.open(SHELL_CACHE).then((cache) => cache.addAll(
    SHELL.map((url) => new Request(url, { credentials: "omit", cache: "reload" })))));
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("dialvie-shell-") && name !== SHELL_CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

/* ---- whose pages are in the private cache ---- */

async function currentUser() {
  const meta = await caches.open(META_CACHE);
  const hit = await meta.match(USER_KEY_URL);
  return hit ? hit.text() : "";
}

// Changes to whose cache is current run one at a time: a page's message and
// the copy of that same page must not interleave and delete each other's work.
let userQueue = Promise.resolve();
function serially(task) {
  const run = userQueue.then(task, task);
  userQueue = run.catch(() => undefined);
  return run;
}

async function switchUser(key) {
  if ((await currentUser()) === key) return;
  await dropUserCaches();
  const meta = await caches.open(META_CACHE);
  await meta.put(USER_KEY_URL, new Response(key));
}

async function dropUserCaches() {
  for (const name of await caches.keys()) {
    if (name.startsWith(USER_PREFIX)) await caches.delete(name);
  }
  await caches.delete(META_CACHE);
}

function setUser(key) {
  return serially(() => switchUser(key));
}

function forgetUser() {
  return serially(dropUserCaches);
}

self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type === "skipWaiting") self.skipWaiting();
  else if (data.type === "user" && typeof data.key === "string" && data.key) {
    event.waitUntil(setUser(data.key));
  } else if (data.type === "logout") event.waitUntil(forgetUser());
});

/* ---- helpers ---- */

function isHtmx(request) {
  return request.headers.get("HX-Request") === "true";
}

function cacheKey(request) {
  // A partial and a full page share a URL: keep them apart. The PWA's
  // ?source= marker is not part of the page.
  const url = new URL(request.url);
  url.searchParams.delete("source");
  if (isHtmx(request)) url.searchParams.set("__partial", "1");
  return url.toString();
}

function cacheable(response) {
  const control = (response.headers.get("Cache-Control") || "").toLowerCase();
  return response.status === 200 && response.type === "basic" && !response.redirected &&
    control.includes("private") && !control.includes("no-store");
}

// A page served from a cache while offline: show the offline banner in it.
async function markOffline(response) {
  const headers = new Headers(response.headers);
  headers.set(OFFLINE_HEADER, "1");
  headers.delete("Content-Length");  // the body changes below
  let body = await response.text();
  body = body.replace(/(<div id="offline-banner"[^>]*?)\s+hidden>/, "$1>");
  return new Response(body, { status: 200, statusText: "OK", headers });
}

async function offlineFallback(request) {
  if (isHtmx(request)) {
    // app.js shows the offline banner and, for a whole screen, opens it in full:
    // the navigation then gets the kept copy or the offline page.
    return new Response("", { status: 503, statusText: "Offline",
      headers: { [OFFLINE_HEADER]: "1" } });
  }
  const shell = await caches.open(SHELL_CACHE);
  const page = await shell.match(OFFLINE_URL, { ignoreVary: true });
  if (page) return markOffline(page);
  return new Response("Pas de connexion internet.", { status: 503,
    headers: { "Content-Type": "text/plain; charset=utf-8" } });
}

// The exact page, else the same page last seen with other parameters (another
// year of the attestation), never a partial for a full page or the reverse.
async function lastViewed(cache, key) {
  const exact = await cache.match(key, { ignoreVary: true });
  if (exact) return exact;
  const wanted = new URL(key);
  const partial = wanted.searchParams.has("__partial");
  for (const request of await cache.keys()) {
    const url = new URL(request.url);
    if (url.pathname === wanted.pathname && url.searchParams.has("__partial") === partial) {
      return cache.match(request, { ignoreVary: true });
    }
  }
  return undefined;
}

/* ---- strategies ---- */

async function privatePage(event) {
  const request = event.request;
  const key = cacheKey(request);
  let response;
  try {
    response = await fetch(request);
  } catch (err) {
    const user = await currentUser();
    if (user) {
      const cache = await caches.open(USER_PREFIX + user);
      const hit = await lastViewed(cache, key);
      if (hit) return markOffline(hit);
    }
    return offlineFallback(request);
  }
  // The page goes to the screen at once; the copy is written alongside.
  if (cacheable(response)) event.waitUntil(keepPrivate(request, key, response.clone()));
  return response;
}

async function keepPrivate(request, key, response) {
  // A full page names its owner (data-user on <body>); trust that over the
  // last message so another user's page never lands in the wrong cache.
  let owner = null;
  if (!isHtmx(request)) {
    const match = /<body[^>]*\sdata-user="([0-9a-f]*)"/.exec(await response.clone().text());
    owner = match ? match[1] : "";
    if (!owner) return;
  }
  await serially(async () => {
    if (owner) await switchUser(owner);
    const user = await currentUser();
    if (!user) return;  // logged out meanwhile
    const cache = await caches.open(USER_PREFIX + user);
    await cache.put(key, response);
  });
}

async function networkFirst(event) {
  const request = event.request;
  try {
    const response = await fetch(request);
    if (!isHtmx(request) && SHELL.includes(new URL(request.url).pathname) &&
        response.status === 200 && response.type === "basic" && !response.redirected) {
      event.waitUntil(refreshShellPage(request, response.clone()));
    }
    return response;
  } catch (err) {
    if (!isHtmx(request)) {
      const shell = await caches.open(SHELL_CACHE);
      const hit = await shell.match(request, { ignoreSearch: true, ignoreVary: true });
      if (hit) return markOffline(hit);
    }
    return offlineFallback(request);
  }
}

// A shell page (guide, offline page) seen online replaces the stored copy, so
// it stays current and in the visitor's language, but only an anonymous copy:
// the shell is shared by everyone who uses this phone.
async function refreshShellPage(request, response) {
  const html = await response.clone().text();
  if (!/<body[^>]*\sdata-user=""/.test(html)) return;
  const cache = await caches.open(SHELL_CACHE);
  await cache.put(new URL(request.url).pathname, response);
}

async function staleWhileRevalidate(event) {
  const request = event.request;
  const cache = await caches.open(SHELL_CACHE);
  const key = new URL(request.url);
  key.search = "";
  const hit = await cache.match(key.toString(), { ignoreVary: true });
  const refresh = fetch(request).then(async (response) => {
    if (response.status === 200 && response.type === "basic") {
      await cache.put(key.toString(), response.clone());
    }
    return response;
  });
  if (hit) {
    event.waitUntil(refresh.catch(() => undefined));
    return hit;
  }
  return refresh;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === "POST" && url.pathname === "/auth/logout") {
    // Forget before the request leaves: nothing private survives a logout.
    event.respondWith(forgetUser().then(() => fetch(request))
      .catch(() => offlineFallback(request)));
    return;
  }
  if (request.method !== "GET") return;
  const path = url.pathname;
  if (path.startsWith("/static/") || path === "/manifest.webmanifest") {
    event.respondWith(staleWhileRevalidate(event));
  } else if (NEVER_CACHED.some((re) => re.test(path))) {
    if (request.mode === "navigate" || isHtmx(request)) {
      event.respondWith(fetch(request).catch(() => offlineFallback(request)));
    }
  } else if (PRIVATE_PAGES.some((re) => re.test(path))) {
    event.respondWith(privatePage(event));
  } else if (request.mode === "navigate" || isHtmx(request)) {
    event.respondWith(networkFirst(event));
  }
});

/* ---- web push ---- */

const PROOF_URL = "/space/proof/";

// Only a same-site path may be opened from a notification.
function notificationTarget(data) {
  const url = data && typeof data.url === "string" ? data.url : PROOF_URL;
  return url.startsWith("/") && !url.startsWith("//") ? url : PROOF_URL;
}

function notificationOptions(data) {
  return {
    body: data.body || "",
    icon: "/static/icons/icon-192.png",
    badge: "/static/icons/icon-192.png",
    lang: data.lang || "fr",
    dir: data.dir || "auto",
    // A newer reminder of the same campaign replaces the older one.
    tag: data.tag || "dialvie",
    renotify: Boolean(data.tag),
    data: { url: notificationTarget(data) },
  };
}

self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (e) {
    data = { body: event.data ? event.data.text() : "" };
  }
  event.waitUntil(self.registration.showNotification(data.title || "DialVie",
    notificationOptions(data)));
});

async function openFromNotification(url) {
  const target = new URL(url, self.location.origin).href;
  const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  for (const client of windows) {
    if (client.url === target && "focus" in client) return client.focus();
  }
  for (const client of windows) {
    if ("navigate" in client) {
      const moved = await client.navigate(target).catch(() => null);
      if (moved) return moved.focus();
    }
  }
  return self.clients.openWindow(target);
}

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  event.waitUntil(openFromNotification(notificationTarget(event.notification.data)));
});
