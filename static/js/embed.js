// Backprop Explorer's embed and share script (the second of its two scripts; no inline script:
// the CSP allows script-src 'self' only).
//  - In an /embed page shown in a frame: tell the page around it how tall the explorer is, on
//    load and on every change, in the form Canvas understands ({subject: "lti.frameResize",
//    height}), a plain one ({type: "backprop-explorer:resize", height}) that
//    static/js/embed-host.js (or any snippet on a course page) reads, and H5P's resizer
//    protocol ({context: "h5p", action: …}) for pages that load h5p-resizer.js.
//  - On the explorer: "Copy link" and "Copy embed code" (the clipboard, or the text selected for
//    Ctrl+C), a scenario file too large for the load form refused before it is sent, and a
//    request the server refused as too large (413) explained beside the form that sent it.
(function () {
  "use strict";

  // -- the frame's height ------------------------------------------------------------------------
  var framed = window.parent !== window && document.documentElement.classList.contains("embed");
  var reported = 0;

  function contentHeight() {
    // the body contains its margins (display: flow-root): its bottom is the content's height
    return Math.ceil(document.body.getBoundingClientRect().bottom + window.scrollY);
  }

  function report() {
    if (!framed || !document.body) return;
    var height = contentHeight();
    if (height <= 0 || height === reported) return;
    reported = height;
    window.parent.postMessage({ subject: "lti.frameResize", height: height }, "*");
    window.parent.postMessage({ type: "backprop-explorer:resize", height: height }, "*");
    if (h5pHost) h5p("prepareResize");
  }

  // H5P's resizer protocol, for host pages that load h5p-resizer.js: "hello" until the host
  // answers it, then "prepareResize" on every change; the host answers "resizePrepared" and
  // the frame says "resize" with its height. The host may say "ready" (say hello) or "resize"
  // (its window changed: measure again).
  var h5pHost = false;

  function h5p(action) {
    var height = contentHeight();
    window.parent.postMessage(
      { context: "h5p", action: action, scrollHeight: height, clientHeight: height }, "*");
  }

  function fromHost(event) {
    var data = event.data;
    if (event.source !== window.parent || !data || data.context !== "h5p") return;
    if (data.action === "hello") {
      h5pHost = true;
      h5p("prepareResize");
    } else if (data.action === "resizePrepared") {
      h5p("resize");
    } else if (data.action === "resize" && h5pHost) {
      h5p("prepareResize");
    } else if (data.action === "ready") {
      h5p("hello");
    }
  }

  // the keyboard cue says "click here" until the frame has the focus (its keys work then)
  function focused() {
    document.documentElement.classList.toggle("has-focus", document.hasFocus());
  }
  window.addEventListener("focus", focused);
  window.addEventListener("blur", focused);
  focused();

  if (framed) {
    if (window.ResizeObserver) {
      var observer = new ResizeObserver(report);
      observer.observe(document.documentElement);
      observer.observe(document.body);
    }
    document.addEventListener("htmx:afterSettle", report);
    window.addEventListener("load", report);
    window.addEventListener("message", fromHost);
    report();
    h5p("hello");
  }

  // -- a sandboxed frame ------------------------------------------------------------------------
  // In an iframe with sandbox="allow-scripts" (WordPress frames oEmbed providers so) the
  // document's origin is opaque and the browser submits no form: not even the submit event
  // htmx listens for is fired. A click on a submit button becomes that event here, with the
  // button as its submitter, and htmx sends the request (the embed answers CORS).
  if (window.origin === "null") {
    document.addEventListener("click", function (event) {
      var button = event.target.closest && event.target.closest("button[type=submit]");
      var form = button && !button.disabled ? button.form : null;
      if (!form || !(form.hasAttribute("hx-get") || form.hasAttribute("hx-post"))) return;
      event.preventDefault();
      var submit = typeof SubmitEvent === "function"
        ? new SubmitEvent("submit", { bubbles: true, cancelable: true, submitter: button })
        : new Event("submit", { bubbles: true, cancelable: true });
      form.dispatchEvent(submit);
    });
  }

  // -- links written as paths -------------------------------------------------------------------
  // Without PUBLIC_URL the server writes paths (it never trusts the Host header for what leaves
  // the site): the origin this browser actually reached completes them.
  function complete(root) {
    if (!root || !root.querySelectorAll) return;
    var origin = window.location.origin;
    if (!origin || origin === "null") return;
    var items = [].slice.call(root.querySelectorAll("[data-complete-origin]"));
    if (root.hasAttribute && root.hasAttribute("data-complete-origin")) items.push(root);
    items.forEach(function (item) {
      var field = item.tagName === "INPUT" || item.tagName === "TEXTAREA";
      var text = field ? item.value : item.textContent;
      var done = text.charAt(0) === "/" ? origin + text : text;
      done = done.replace(/((?:src|href)=")\//g, "$1" + origin + "/");
      if (field) item.value = done;
      else item.textContent = done;
      item.removeAttribute("data-complete-origin");
    });
  }
  complete(document);
  document.addEventListener("htmx:load", function (event) { complete(event.detail.elt); });

  // -- copy buttons ------------------------------------------------------------------------------
  // They stay hidden without this script: the text fields beside them are there to copy by hand.
  function reveal(root) {
    if (!root || !root.querySelectorAll) return;
    var buttons = root.querySelectorAll("button[data-copy][hidden]");
    for (var k = 0; k < buttons.length; k++) buttons[k].hidden = false;
  }
  reveal(document);
  document.addEventListener("htmx:load", function (event) { reveal(event.detail.elt); });

  function say(text) {
    var status = document.getElementById("copy-status");
    if (status) status.textContent = text;
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-copy]");
    if (!button) return;
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source) return;
    var what = button.textContent.replace(/^Copy /, "").trim();
    var copied = what.charAt(0).toUpperCase() + what.slice(1) + " copied.";

    function selectIt() {
      source.focus();
      source.select();
      var ok = false;
      try {
        ok = document.execCommand("copy");
      } catch (e) {
        ok = false;
      }
      say(ok ? copied : "The " + what + " is selected: press Ctrl+C (⌘C on a Mac) to copy it.");
    }

    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(source.value).then(function () { say(copied); }, selectIt);
    } else {
      selectIt();
    }
  });

  // -- the load form -----------------------------------------------------------------------------
  function kb(bytes) {
    return bytes >= 10000 ? Math.round(bytes / 1000).toLocaleString("en") + " kB" : bytes + " bytes";
  }

  function showError(slot, text) {
    slot.textContent = "";
    if (!text) return;
    var p = document.createElement("p");
    p.className = "field-error";
    p.setAttribute("role", "alert");
    p.textContent = text;
    slot.appendChild(p);
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[type=file]") || !input.form) return;
    var max = Number(input.form.getAttribute("data-max-bytes"));
    var slot = input.form.querySelector("[data-error-slot]");
    var file = input.files && input.files[0];
    if (!max || !slot || !file) return;
    if (file.size > max) {
      input.value = "";
      showError(slot, "Not loaded: the file “" + file.name + "” is " + kb(file.size) +
        "; a scenario may be at most " + kb(max) + ". The explorer still shows the network you had.");
    } else {
      showError(slot, "");
    }
  });

  // The server refuses a body over its limit (413) before reading it: its short message goes
  // beside the form that sent it, and nothing else on the page changes.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    if (!detail.xhr || detail.xhr.status !== 413) return;
    var elt = detail.requestConfig ? detail.requestConfig.elt : null;  // what sent the request
    var form = elt && elt.closest ? elt.closest("form") : null;
    var slot = form ? form.querySelector("[data-error-slot]") : null;
    var visible = form && form.offsetParent !== null ? form : null;
    var target = slot || visible || document.getElementById("explorer");
    if (!target) return;
    detail.shouldSwap = true;
    detail.isError = false;
    detail.target = target;
    detail.swapOverride = slot ? "innerHTML" : "afterbegin";
  });
})();
