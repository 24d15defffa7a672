// Backprop Explorer, for a course page: every explorer embedded on this page in an iframe
// (…/embed/…) takes the height of its content, as the explorer reports it. Include it once,
// anywhere on the page:
//     <script src="https://YOUR-EXPLORER-HOST/static/js/embed-host.js" async></script>
// It listens for the {type: "backprop-explorer:resize", height} messages the explorer posts and
// applies them to the iframe that sent them, if that iframe's address is on the sender's origin.
(function () {
  "use strict";
  if (window.backpropExplorerHost) return;
  window.backpropExplorerHost = true;

  function originOf(frame) {
    try {
      return new URL(frame.src, window.location.href).origin;
    } catch (e) {
      return "";
    }
  }

  window.addEventListener("message", function (event) {
    var data = event.data;
    if (!data || typeof data !== "object" || data.type !== "backprop-explorer:resize") return;
    var height = Math.ceil(Number(data.height));
    if (!isFinite(height) || height < 40 || height > 100000) return;
    var frames = document.getElementsByTagName("iframe");
    for (var k = 0; k < frames.length; k++) {
      var frame = frames[k];
      if (frame.contentWindow === event.source && originOf(frame) === event.origin) {
        frame.style.height = height + "px";
        frame.setAttribute("height", String(height));
        return;
      }
    }
  });
})();
