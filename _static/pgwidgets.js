/* pgwidgets.js: make the static (kernel-free) pgtheory widgets interactive.
 *
 * Each widget is a <div class="pgw-static"> written by pgtheory/viz/static.py. It holds native
 * controls marked data-pgw-control, one <img class="pgw-image">, a <figcaption class="pgw-text">
 * and a <script type="application/json" class="pgw-frames"> that maps the control indices,
 * joined by "-", to {src, alt, text}. Moving a control swaps in the matching frame.
 * No network access, no dependencies.
 */
(function () {
  "use strict";

  function initWidget(root) {
    if (root.dataset.pgwReady === "1") {
      return;
    }
    var dataNode = root.querySelector("script.pgw-frames");
    var image = root.querySelector("img.pgw-image");
    var caption = root.querySelector(".pgw-text");
    if (!dataNode || !image || !caption) {
      return;
    }
    var frames = JSON.parse(dataNode.textContent);
    var controls = Array.prototype.slice.call(root.querySelectorAll("[data-pgw-control]"));

    function showRangeValue(control) {
      if (control.type !== "range") {
        return;
      }
      var labels = JSON.parse(control.dataset.pgwLabels);
      var label = labels[Number(control.value)];
      control.setAttribute("aria-valuetext", label);
      var output = root.querySelector("#" + control.id + "-value");
      if (output) {
        output.textContent = label;
      }
    }

    function update() {
      controls.forEach(showRangeValue);
      var key = controls.map(function (c) { return c.value; }).join("-");
      var frame = frames[key];
      if (!frame) {
        return;
      }
      image.src = frame.src;
      image.alt = frame.alt;
      caption.textContent = frame.text;
    }

    controls.forEach(function (control) {
      control.addEventListener("input", update);
      control.addEventListener("change", update);
    });
    update();  // a browser may restore control values on reload
    root.dataset.pgwReady = "1";
  }

  function initAll() {
    Array.prototype.forEach.call(document.querySelectorAll("div.pgw-static"), initWidget);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", initAll);
  } else {
    initAll();
  }
})();
