// The encounter page: after a refusal, bring the message into view and focus the first field of its form.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var error = document.querySelector("[data-testid=error], [data-testid=warnings]");
    if (!error) { return; }
    error.scrollIntoView({ block: "center" });
    var section = error.closest("section");
    var field = section && section.querySelector("input:not([type=hidden]), textarea, select");
    if (field) { field.focus(); }
  });
})();
