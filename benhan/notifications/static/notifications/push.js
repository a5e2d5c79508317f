// Web push on this phone: subscribe with the server's VAPID key through the app's service worker,
// and send the subscription (endpoint and keys, never anything else) to the server.
"use strict";
(function () {
  var box = document.getElementById("push");
  if (!box) return;
  var on = document.getElementById("push-on"), off = document.getElementById("push-off");
  if (!("serviceWorker" in navigator) || !("PushManager" in window)) {
    document.getElementById("push-unsupported").hidden = false;
    return;
  }
  function csrf() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }
  function post(url, body) {
    return fetch(url, { method: "POST", credentials: "same-origin", body: JSON.stringify(body),
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() } });
  }
  function key(text) {
    var padded = (text + "===".slice((text.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(padded), out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }
  function show(subscribed) { on.hidden = subscribed; off.hidden = !subscribed; }
  navigator.serviceWorker.ready.then(function (reg) {
    reg.pushManager.getSubscription().then(function (sub) { show(!!sub); });
    on.addEventListener("click", function () {
      Notification.requestPermission().then(function (permission) {
        if (permission !== "granted") return;
        return reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key(box.getAttribute("data-key")) })
          .then(function (sub) { return post(box.getAttribute("data-subscribe"), sub.toJSON()); })
          .then(function (response) {
            if (response.ok) { show(true); document.getElementById("push-status").textContent = on.getAttribute("data-done"); }
          });
      });
    });
    off.addEventListener("click", function () {
      reg.pushManager.getSubscription().then(function (sub) {
        if (!sub) return show(false);
        return post(box.getAttribute("data-unsubscribe"), { endpoint: sub.endpoint })
          .then(function () { return sub.unsubscribe(); }).then(function () { show(false); });
      });
    });
  });
})();
