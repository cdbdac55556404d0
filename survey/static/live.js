// Live counts on a staff event page: poll the JSON endpoint named by data-counts-url and
// update the numbers in place. Without JavaScript the page shows the counts of its last load.
(function () {
  "use strict";
  var box = document.querySelector("[data-counts-url]");
  if (!box || !window.fetch) {
    return;
  }
  var url = box.getAttribute("data-counts-url");
  var seconds = parseInt(box.getAttribute("data-refresh-seconds"), 10) || 5;
  var delay = Math.max(2, seconds) * 1000;
  var status = box.querySelector("[data-live-status]");
  var timer = null;
  var failures = 0;
  var stopped = false;
  var format = new Intl.NumberFormat("en-US");

  function say(text) {
    if (status) {
      status.textContent = text;
    }
  }

  function show(data) {
    ["before", "after", "paired"].forEach(function (name) {
      var cell = box.querySelector('[data-count="' + name + '"]');
      var text = format.format(data[name]);
      // Only real changes touch the page, so screen readers announce nothing otherwise.
      if (cell && typeof data[name] === "number" && cell.textContent !== text) {
        cell.textContent = text;
      }
    });
    say("Updated automatically every " + Math.round(delay / 1000) + " seconds. Last update " +
        new Date().toLocaleTimeString() + ".");
  }

  function schedule(wait) {
    window.clearTimeout(timer);
    if (!stopped && !document.hidden) {
      timer = window.setTimeout(poll, wait);
    }
  }

  function poll() {
    fetch(url, {
      credentials: "same-origin",
      cache: "no-store",
      redirect: "manual",
      headers: { Accept: "application/json" }
    }).then(function (response) {
      if (response.type === "opaqueredirect" || response.status === 401 ||
          response.status === 403 || response.status === 404) {
        stopped = true;
        say("Live updates stopped: you may have been signed out. Reload the page.");
        return null;
      }
      if (!response.ok) {
        throw new Error("HTTP " + response.status);
      }
      return response.json();
    }).then(function (data) {
      if (data) {
        failures = 0;
        show(data);
        schedule(delay);
      }
    }).catch(function () {
      failures += 1;
      say("Cannot reach the server; retrying. The numbers shown may be out of date.");
      schedule(Math.min(60000, delay * Math.pow(2, failures)));
    });
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) {
      schedule(0);
    }
  });
  schedule(0);
}());
