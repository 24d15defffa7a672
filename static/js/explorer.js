// Backprop Explorer's only script: keyboard shortcuts and "click a number on the diagram to edit
// it". Everything else is plain links and forms, enhanced by htmx (no inline script: the CSP
// allows script-src 'self' only).
(function () {
  "use strict";

  function typing(el) {
    if (!el) return false;
    var tag = el.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || el.isContentEditable;
  }

  function press(id) {
    var button = document.getElementById(id);
    if (button && !button.disabled) button.click();
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    if (typing(event.target)) return;
    if (event.key === "ArrowRight") {
      event.preventDefault();
      press("next-step");
    } else if (event.key === "ArrowLeft") {
      event.preventDefault();
      press("prev-step");
    }
  });

  // A weight, bias, input or target on the diagram links to its field in the edit form.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.to-field");
    if (!link) return;
    var href = link.getAttribute("href") || "";
    if (href.charAt(0) !== "#") return;
    var field = document.getElementById(href.slice(1));
    if (!field) return;
    event.preventDefault();
    field.scrollIntoView({ block: "center" });
    field.focus({ preventScroll: true });
    if (field.select) field.select();
  });
})();
