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

  // A focused box that scrolls sideways (a wide table or formula, the picture on a phone)
  // keeps its arrow keys to scroll by (WCAG 2.1.1); anywhere else they step.
  function scrollsSideways(el) {
    if (!el || el === document.body || el === document.documentElement) return false;
    var overflow = window.getComputedStyle(el).overflowX;
    return (overflow === "auto" || overflow === "scroll") && el.scrollWidth > el.clientWidth;
  }

  // A key pressed while the last step is still on its way waits for it (a held key steps as
  // fast as the server answers, and no press is lost).
  var pending = [];
  var busy = false;

  function press(id) {
    if (busy) {
      if (pending.length < 8) pending.push(id);
      return;
    }
    var button = document.getElementById(id);
    if (button && !button.disabled) button.click();
  }

  document.addEventListener("htmx:beforeRequest", function () { busy = true; });
  // once per request, after the swap (settling is immediate: defaultSettleDelay is 0); the
  // next press waits a turn, until htmx has released #explorer's hx-sync lock (a step swaps
  // its parts and keeps #explorer: a press now would be dropped)
  document.addEventListener("htmx:afterRequest", function (event) {
    if (!event.detail.successful) pending = [];
    window.setTimeout(function () {
      busy = false;
      if (pending.length) press(pending.shift());
    }, 0);
  });

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    if (typing(event.target) || scrollsSideways(event.target)) return;
    if (event.key === "ArrowRight") {
      event.preventDefault();
      press("next-step");
    } else if (event.key === "ArrowLeft") {
      event.preventDefault();
      press("prev-step");
    }
  });

  // Back and Forward: the URL holds the whole state, so the page is rendered again from it.
  // A step replaces the address; an edit, a training run, a change of view or Reset adds an
  // entry. htmx reloads the entries it pushed or replaced (it keeps no history cache).
  // Whatever it did not handle (an entry it never marked, or a Back pressed before it had
  // loaded) is reloaded here: the explorer says which URL it shows (#explorer-at). This
  // script loads first (no defer) to see every popstate.
  window.addEventListener("popstate", function () {
    window.setTimeout(function () {
      var where = document.getElementById("explorer-at");
      var shown = where && where.getAttribute("data-url");
      if (shown && shown !== window.location.pathname + window.location.search) {
        window.location.reload();
      }
    }, 60);
  });

  // A large network's parts that load when opened (app/explorer/on_demand.py): the page says
  // which it has open, so that an answer of the whole explorer keeps them open and filled, and
  // a step's own part (a large layer's update, weight by weight) opens again at the next step
  // that has it if the learner left it open. (Its diagram links no mark to a field:
  // render/spacing.py's max_linked.)
  var leftOpen = {};
  document.addEventListener("toggle", function (event) {
    var part = event.target;
    if (part.matches && part.matches("details.lazy-part")) leftOpen[part.id] = part.open;
  }, true);

  document.addEventListener("htmx:configRequest", function (event) {
    var names = [];
    Object.keys(leftOpen).forEach(function (id) {
      var part = document.getElementById(id);
      if (part ? part.open : leftOpen[id]) names.push(id.replace("lazy-", ""));
    });
    document.querySelectorAll("details.lazy-part[open]").forEach(function (part) {
      var name = part.id.replace("lazy-", "");
      if (names.indexOf(name) < 0) names.push(name);
    });
    if (names.length) event.detail.headers["HX-Explorer-Open"] = names.join(" ");
  });

  // A step's answer (app/explorer/patch.py) may change an element's attributes alone, or the
  // order of its children, with two out-of-band swaps of its own (#explorer asks for them:
  // hx-ext): "attrs:SELECTOR" gives each target the attributes of the element sent (those it
  // lacks removed), its content left as it is; "order:SELECTOR" keeps the target's children
  // at the places listed in data-order ("0-2 5 3-4"), in that order, and drops the others.
  function names(el) {
    return Array.prototype.map.call(el.attributes, function (a) { return a.name; }).join(" ");
  }

  // the attributes in the order sent, as the page of the address writes them
  function sameAttributes(target, given) {
    if (names(target) !== names(given)) {
      while (target.attributes.length) target.removeAttribute(target.attributes[0].name);
    }
    Array.prototype.forEach.call(given.attributes, function (a) {
      if (target.getAttribute(a.name) !== a.value) target.setAttribute(a.name, a.value);
    });
  }

  function reorder(target, ranges) {
    var kids = Array.prototype.slice.call(target.children);
    var kept = [];
    // "" keeps none (every child of the group left)
    (ranges || "").split(" ").filter(Boolean).forEach(function (range) {
      var ends = range.split("-");
      for (var i = +ends[0]; i <= +ends[ends.length - 1]; i++) kept.push(kids[i]);
    });
    var keep = new Set(kept);
    kids.forEach(function (kid) { if (!keep.has(kid)) kid.remove(); });
    kept.forEach(function (kid) { target.appendChild(kid); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.htmx) return;
    window.htmx.defineExtension("step-parts", {
      isInlineSwap: function (style) { return style === "attrs" || style === "order"; },
      handleSwap: function (style, target, fragment) {
        var given = fragment.firstElementChild;
        if (!given || (style !== "attrs" && style !== "order")) return false;
        if (style === "attrs") sameAttributes(target, given);
        else reorder(target, given.getAttribute("data-order"));
        return true;
      }
    });
  });

  // A click the server did not answer (busy, too large, no network, an error): the page stays as
  // it was and says so, in #request-problem (templates/_request_problem.html), until an answer
  // comes. htmx swaps the refusals that name a field (400, 404, 422) in place: not these.
  function problem(text) {
    var el = document.getElementById("request-problem");
    if (!el) return;
    el.textContent = text;
    el.hidden = !text;
  }
  var UNCHANGED = " Nothing on this page changed: try again";
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr.status;
    if (status === 503) {
      problem("The server is busy with other large pages." + UNCHANGED + " in a minute.");
    } else if (status === 413 || status === 431) {
      problem("That is more than the server takes in one request." + UNCHANGED + " with less.");
    } else {
      problem("The server could not answer (status " + status + ")." + UNCHANGED + ".");
    }
  });
  function noAnswer() {
    problem("No answer from the server: is the network down?" + UNCHANGED + ".");
  }
  document.addEventListener("htmx:sendError", noAnswer);
  document.addEventListener("htmx:timeout", noAnswer);
  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.successful) problem("");
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
