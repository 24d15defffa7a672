// The diagram's readout: a neuron, weight or bias that is focused (Tab) or tapped shows its
// values in the line under the picture, so that nothing is readable by hovering only. On a touch
// screen the first tap on a mark shows its values; a second tap on the same mark follows its link
// to the edit field. Without this script the values are in the marks' hover text and the table.
(function () {
  "use strict";

  var MARKS = "a.to-field, g[data-edge], g[data-neuron], g.bias, g.bias-link";
  var touched = null; // the mark a finger last showed

  function markOf(target) {
    if (!target || !target.closest || !target.closest("svg.diagram")) return null;
    var mark = target.closest(MARKS);
    if (mark && mark.matches("a.to-field[aria-hidden]")) { // a label: its edge's link
      var href = mark.getAttribute("href");
      var svg = mark.closest("svg");
      mark = null;
      svg.querySelectorAll("a.to-field:not([aria-hidden])").forEach(function (a) {
        if (!mark && a.getAttribute("href") === href) mark = a;
      });
    }
    return mark;
  }

  function describe(mark) {
    var label = mark.getAttribute("aria-label");
    if (label) return label;
    var title = mark.querySelector("title");
    return title ? title.textContent : "";
  }

  function show(mark) {
    var figure = mark.closest("figure");
    var readout = figure && figure.querySelector(".diagram-readout");
    if (!readout) return;
    var text = describe(mark);
    if (text) readout.textContent = text;
  }

  // The hint is the script's own: without it the line stays empty (and hidden).
  function hint() {
    document.querySelectorAll(".diagram-readout:empty").forEach(function (p) {
      p.textContent = p.getAttribute("data-hint") || "";
    });
  }
  document.addEventListener("DOMContentLoaded", hint);
  document.addEventListener("htmx:afterSettle", hint);

  document.addEventListener("focusin", function (event) {
    var mark = markOf(event.target);
    if (mark) show(mark);
  });

  var lastPointer = "mouse";
  document.addEventListener("pointerdown", function (event) {
    lastPointer = event.pointerType;
  }, true);

  // Capture: before the edit-field link (explorer.js) sees a first tap.
  document.addEventListener("click", function (event) {
    var mark = markOf(event.target);
    if (!mark) return;
    var link = mark.closest("a.to-field");
    show(link || mark);
    if (lastPointer !== "touch" || !link) return;
    if (touched === link) { // the second tap follows the link
      touched = null;
      return;
    }
    touched = link;
    event.preventDefault();
    event.stopPropagation();
  }, true);
})();
