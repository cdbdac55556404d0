// Live counts on the staff event page and the events list: poll the JSON endpoint named by
// data-counts-url and update the [data-count] numbers in place. The event page's endpoint
// answers one event's counts; the list's answers {"events": [{"id": ..., ...}]}, matched to
// rows by data-event. Polling pauses while the tab is hidden. Without JavaScript the page
// shows the counts of its last load.
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

  function update(scope, counts) {
    if (!scope) {
      return;  // an event created after the page loaded has no row yet
    }
    ["before", "after", "paired"].forEach(function (name) {
      var cell = scope.querySelector('[data-count="' + name + '"]');
      // Only real changes touch the page, so screen readers announce nothing otherwise.
      if (cell && typeof counts[name] === "number") {
        var text = format.format(counts[name]);
        if (cell.textContent !== text) {
          cell.textContent = text;
        }
      }
    });
  }

  function show(data) {
    if (Array.isArray(data.events)) {
      data.events.forEach(function (event) {
        if (typeof event.id === "number") {
          update(box.querySelector('[data-event="' + event.id + '"]'), event);
        }
      });
    } else {
      update(box, data);
    }
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
