// After htmx swaps a form back with errors, move focus to the first invalid
// field and keep it in view; after a saved inline form, show the message
// (swapped into #messages) where the phone's screen is. See borrowers/pages.py.
(function () {
  "use strict";

  function firstInvalid(root) {
    return root.querySelector('[aria-invalid="true"], .errors [role="alert"], .errors');
  }

  document.addEventListener("htmx:afterSettle", function (event) {
    var root = event.detail.elt;
    if (!root || !root.querySelector) {
      return;
    }
    var invalid = firstInvalid(root);
    if (invalid) {
      invalid.scrollIntoView({ block: "center" });
      if (typeof invalid.focus === "function") {
        invalid.focus({ preventScroll: true });
      }
    }
  });

  document.addEventListener("htmx:oobAfterSwap", function (event) {
    var target = event.detail.target;
    if (target && target.id === "messages" && target.textContent.trim()) {
      window.clearTimeout(target.dataset.timer);
      target.dataset.timer = window.setTimeout(function () {
        target.textContent = "";
      }, 8000);
    }
  });
})();
