// The patient app's only script: install the service worker, and forget saved pages at logout.
"use strict";
(function () {
  var body = document.body;
  if (body.getAttribute("data-clear-cache") === "1" && window.caches) {
    caches.keys().then(function (names) { names.forEach(function (n) { caches.delete(n); }); });
  }
  if ("serviceWorker" in navigator && body.getAttribute("data-sw")) {
    navigator.serviceWorker.register(body.getAttribute("data-sw"), { scope: "/app/" }).catch(function () {});
  }
})();
