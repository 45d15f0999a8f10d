/* Cabinet page script: registers the service worker and keeps one user's saved pages from another.
 * Everything works without it (forms, links, language choice); it only adds offline reading. */
"use strict";
(function () {
  var PAGES_CACHE = "cabinet-pages";
  var USER_KEY = "cabinet-user";
  var body = document.body;
  var user = body.getAttribute("data-user") || "";

  function clearPersonal() {
    if (window.caches) {
      caches.delete(PAGES_CACHE);
    }
    if (navigator.serviceWorker && navigator.serviceWorker.controller) {
      navigator.serviceWorker.controller.postMessage({ type: "clear-personal" });
    }
  }

  function remember(value) {
    try {
      if (value) localStorage.setItem(USER_KEY, value);
      else localStorage.removeItem(USER_KEY);
    } catch (e) {
      /* private mode: nothing is remembered, so nothing can leak either */
    }
  }

  function previousUser() {
    try {
      return localStorage.getItem(USER_KEY) || "";
    } catch (e) {
      return null;
    }
  }

  // Another account (or nobody) on this device since the pages were saved: forget them. The offline
  // page is the same for everyone (saved when the worker was installed): it says nothing about who is here.
  if (!body.hasAttribute("data-offline") && previousUser() !== user) {
    clearPersonal();
    remember(user);
  }

  document.addEventListener("submit", function (event) {
    if (event.target && event.target.matches("form[data-logout]")) {
      clearPersonal();
      remember("");
    }
  });

  var banner = document.getElementById("offline-banner");
  function showConnection() {
    if (banner) banner.hidden = navigator.onLine;
  }
  window.addEventListener("online", showConnection);
  window.addEventListener("offline", showConnection);
  showConnection();

  if ("serviceWorker" in navigator && body.getAttribute("data-sw")) {
    navigator.serviceWorker.register(body.getAttribute("data-sw"), { scope: "/" }).catch(function () {
      /* no offline reading; the site works as before */
    });
  }
})();
