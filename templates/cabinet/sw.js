/* Service worker of the migrant cabinet (served at /sw.js by cabinet.pwa.service_worker, scope "/").
 *
 * - The app shell (stylesheet, script, icons, the offline page in each language) is cached on install.
 * - Pages are network-first. Only the status card (the cabinet home) and the inbox are kept, in a
 *   separate cache, so that they stay readable offline; any other page falls back to the offline page.
 * - Nothing but same-origin GETs is touched: POSTs and forms always go to the network.
 * - Personal pages are never served to someone else: the cache of personal pages is deleted when a
 *   page tells us the user changed or signed out (static/cabinet/app.js), and when the server answers
 *   a personal page with a redirect to the sign-in page.
 */
"use strict";

const VERSION = "__VERSION__";
const SHELL_CACHE = "cabinet-shell-" + VERSION;
const PAGES_CACHE = "cabinet-pages";
const SHELL = {{ shell_json|safe }};
const PERSONAL = new Set({{ personal_json|safe }});
const OFFLINE = {{ offline_json|safe }};
const STATIC_PREFIX = {{ static_prefix_json|safe }};
const LOGIN_MARKER = {{ login_marker_json|safe }};

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL_CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(names.filter((name) => name.startsWith("cabinet-shell-") && name !== SHELL_CACHE).map((name) => caches.delete(name)))
      )
      .then(() => self.clients.claim())
  );
});

self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "clear-personal") {
    event.waitUntil(caches.delete(PAGES_CACHE));
  }
});

function offlinePage(pathname) {
  const match = pathname.match(/^\/([a-z]{2})\//);
  const page = (match && OFFLINE[match[1]]) || Object.values(OFFLINE)[0];
  return caches.match(page, { cacheName: SHELL_CACHE });
}

async function personalPage(request, pathname) {
  try {
    const response = await fetch(request);
    if (response.redirected && response.url.includes(LOGIN_MARKER)) {
      await caches.delete(PAGES_CACHE); // signed out or session expired: forget the last user's pages
    } else if (response.ok && response.type === "basic" && !response.redirected) {
      const cache = await caches.open(PAGES_CACHE);
      await cache.put(pathname, response.clone());
    }
    return response;
  } catch (error) {
    const cached = await caches.match(pathname, { cacheName: PAGES_CACHE });
    return cached || (await offlinePage(pathname)) || Response.error();
  }
}

async function otherPage(request, pathname) {
  try {
    return await fetch(request);
  } catch (error) {
    return (await offlinePage(pathname)) || Response.error();
  }
}

async function staticAsset(request) {
  const cached = await caches.match(request, { cacheName: SHELL_CACHE });
  return cached || fetch(request);
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith(STATIC_PREFIX)) {
    event.respondWith(staticAsset(request));
  } else if (request.mode === "navigate") {
    if (PERSONAL.has(url.pathname) && !url.search) {
      event.respondWith(personalPage(request, url.pathname));
    } else {
      event.respondWith(otherPage(request, url.pathname));
    }
  }
});
