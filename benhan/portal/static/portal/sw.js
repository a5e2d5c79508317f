// Offline reading of pages the patient already opened: network first, the saved copy when offline.
// Only pages under /app/ and the app's own static files are kept; PDFs and form posts never are.
"use strict";
var CACHE = "benhan-app-v1";

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n !== CACHE; }).map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

function keepable(url) {
  if (url.origin !== self.location.origin) return false;
  if (url.pathname.indexOf("/static/portal/") === 0) return true;
  return url.pathname.indexOf("/app/") === 0 && !/\.pdf$/.test(url.pathname) &&
    url.pathname.indexOf("/app/dang-nhap") !== 0 && url.pathname !== "/app/sw.js";
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || !keepable(url)) return;
  event.respondWith(fetch(request).then(function (response) {
    // Only real pages: a redirect to the login page must not replace the saved record page.
    if (response.ok && !response.redirected) {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
    }
    return response;
  }).catch(function () {
    return caches.match(request).then(function (hit) {
      return hit || new Response("<!doctype html><meta charset=utf-8><p>Không có mạng và trang này chưa được lưu.</p>",
        { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
    });
  }));
});

// Web push (benhan/notifications): the payload is a neutral notice and a link inside the app.
self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = {}; }
  event.waitUntil(self.registration.showNotification(data.title || "Sổ sức khoẻ", {
    body: data.body || "", icon: "/static/portal/icon.svg", data: { url: data.url || "/app/" }
  }));
});
self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var url = (event.notification.data && event.notification.data.url) || "/app/";
  if (url.indexOf("/app/") !== 0) url = "/app/";  // only pages of the app itself
  event.waitUntil(self.clients.openWindow(url));
});
