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

// Beside a long step (two columns, static/css/explorer.css) the picture stays in view while the
// learner reads the arithmetic that refers to it: under the sticky toolbar when it fits the window
// below it; a taller one (a large network) sticks with its foot at the window's foot, so that as
// much of it as fits stays in view. The toolbar wraps to two rows on some steps: its height says
// where the picture and the step stick. On a phone the toolbar sticks by its last rows only (the
// step and the buttons): how much of its top goes up with the page is --bar-hide.
(function () {
  "use strict";

  var MARGIN = 16; // px, as the columns' gap
  var root = document.documentElement;
  var watched = [];
  var sizes = window.ResizeObserver ? new ResizeObserver(place) : null;

  function hideAbove(bar) {
    var now = bar.querySelector(".counter .now");
    var hide = now && now.offsetHeight ? now.getBoundingClientRect().top - bar.getBoundingClientRect().top - 4 : 0;
    root.style.setProperty("--bar-hide", Math.max(0, Math.round(hide)) + "px");
  }

  function place() {
    var bar = document.querySelector(".toolbar");
    var pane = document.querySelector(".columns > .diagram-pane");
    if (bar) hideAbove(bar);
    if (!bar || !pane) return;
    var sticky = window.getComputedStyle(bar).position === "sticky";
    var top = (sticky ? bar.offsetHeight : 0) + MARGIN;
    var short = window.innerHeight - MARGIN - top - pane.offsetHeight; // < 0: taller than the room
    root.style.setProperty("--stick-top", top + "px");
    root.style.setProperty("--picture-top", top + Math.min(0, short) + "px");
    root.classList.add("sticky-picture");
  }

  // the toolbar and the picture are new after a swap of the explorer: watch the new ones
  function watch() {
    var now = [document.querySelector(".toolbar"), document.querySelector(".columns > .diagram-pane")];
    if (sizes && (now[0] !== watched[0] || now[1] !== watched[1])) {
      sizes.disconnect();
      now.forEach(function (el) { if (el) sizes.observe(el); });
      watched = now;
    }
    place();
  }
  document.addEventListener("DOMContentLoaded", watch);
  document.addEventListener("htmx:afterSettle", watch);
  window.addEventListener("resize", place);
})();
