// Small behaviours for the clinician UI, kept out of the HTML because the CSP forbids inline scripts.
(function () {
  "use strict";
  // "/" focuses the page's search box, as in most web apps, unless the user is typing.
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var typing = target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" ||
      target.tagName === "SELECT" || target.isContentEditable);
    if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
      var box = document.querySelector("[data-search]");
      if (box) { event.preventDefault(); box.focus(); box.select(); }
    }
  });
  // <select data-autosubmit> submits its form on change (facility switch); the button stays for no-JS use.
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el && el.matches && el.matches("select[data-autosubmit]") && el.form) { el.form.submit(); }
  });
})();
