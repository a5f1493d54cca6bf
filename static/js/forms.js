// After htmx swaps a form back with errors, move focus to the first invalid
// field and keep it in view; after a saved inline form, show the message
// (swapped into #messages) where the phone's screen is, and after a page that
// landed on one of its parts. See borrowers/pages.py.
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

  // A toast goes after a while (without JavaScript it stays).
  function clearLater(target) {
    if (target && target.id === "messages" && target.textContent.trim()) {
      window.clearTimeout(target.dataset.timer);
      target.dataset.timer = window.setTimeout(function () {
        target.textContent = "";
      }, 8000);
    }
  }

  document.addEventListener("htmx:oobAfterSwap", function (event) {
    clearLater(event.detail.target);
  });

  // A page that landed on one of its parts (/collection/#contact-7) shows its
  // message as a toast (borrowers/pages.py).
  clearLater(document.querySelector("#messages.toast"));

  // A "Print" button (the call script): shown only where JavaScript runs.
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      window.print();
    });
  });
})();
