// Backprop Explorer's practice pages (no inline script: the CSP allows script-src 'self' only).
//  - After an answer, a help button or a step is swapped in by htmx: the keyboard focus goes
//    where the learner continues (the answer field, or "Next" once the step is answered).
//  - In an /embed/practice frame: each answer and the end of the set are posted to the course
//    page, {type: "backprop-explorer:progress" | "backprop-explorer:completed", set, score, max,
//    statement}, the statement shaped as an xAPI statement (verb, object, result.score.scaled)
//    an LMS page can forward (docs/EMBED.md).
(function () {
  "use strict";

  var framed = window.parent !== window && document.documentElement.classList.contains("embed");
  var VERBS = {
    progress: { id: "http://adlnet.gov/expapi/verbs/answered", display: { "en-US": "answered" } },
    completed: { id: "http://adlnet.gov/expapi/verbs/completed", display: { "en-US": "completed" } }
  };

  function statement(kind, practice, score, max) {
    var activity = new URL(practice.getAttribute("data-activity") || "", window.location.href);
    return {
      verb: VERBS[kind],
      object: {
        objectType: "Activity",
        id: activity.href,
        definition: {
          name: { "en-US": practice.getAttribute("data-title") || "Backprop Explorer practice" },
          type: "http://adlnet.gov/expapi/activities/assessment"
        }
      },
      result: {
        score: { raw: score, min: 0, max: max, scaled: max > 0 ? score / max : 0 },
        completion: kind === "completed"
      },
      timestamp: new Date().toISOString()
    };
  }

  function report() {
    var practice = document.getElementById("practice");
    if (!framed || !practice) return;
    var kind = practice.getAttribute("data-report");
    if (kind !== "progress" && kind !== "completed") return;
    practice.setAttribute("data-report", "");  // once per answer
    var score = Number(practice.getAttribute("data-score")) || 0;
    var max = Number(practice.getAttribute("data-max")) || 0;
    window.parent.postMessage({
      type: "backprop-explorer:" + kind,
      set: practice.getAttribute("data-set") || null,
      score: score,
      max: max,
      statement: statement(kind, practice, score, max)
    }, "*");
  }

  // The control the learner used (Previous, Next, a timeline step): where the focus was
  // before the swap, so that it is not dropped on the page's body after it.
  var usedId = "";
  document.addEventListener("htmx:beforeRequest", function () {
    var active = document.activeElement;
    usedId = active && active.id ? active.id : "";
  });

  function kept(practice) {
    var used = usedId && document.getElementById(usedId);
    if (used && practice.contains(used) && !used.disabled) return used;
    var next = practice.querySelector("#next-step:not([disabled])");
    if (next) return next;
    var heading = document.getElementById("step-title");  // the score: its heading
    if (heading) heading.setAttribute("tabindex", "-1");
    return heading;
  }

  function focusNext(event) {
    var target = event.detail && event.detail.target;
    if (!target || target.id !== "practice") return;
    var practice = document.getElementById("practice");
    if (!practice) return;
    var field = practice.querySelector("[aria-invalid='true']") ||
      practice.querySelector("[data-autofocus]") || kept(practice);
    if (field) field.focus({ preventScroll: false });
  }

  document.addEventListener("htmx:afterSettle", function (event) {
    focusNext(event);
    report();
  });
  window.addEventListener("load", report);
})();
