/* Draws every chart of a staff page with plotly.js.
 *
 * Each chart is a <div data-figure="ID"> next to a <script type="application/json" id="ID">
 * holding the figure the server built (data, layout, config). JSON is data, not code, so
 * the Content-Security-Policy can keep script-src 'self' with no inline script at all.
 */
(function () {
  "use strict";

  function draw(holder) {
    var source = document.getElementById(holder.getAttribute("data-figure"));
    if (!source || typeof window.Plotly === "undefined") {
      return;
    }
    var figure = JSON.parse(source.textContent);
    holder.textContent = "";
    window.Plotly.newPlot(holder, figure.data, figure.layout, figure.config);
  }

  document.querySelectorAll("[data-figure]").forEach(draw);
})();
