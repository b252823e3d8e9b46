// releasetrain live page: replaces the page's live part with each update
// the server sends (server-sent events); no framework, no state.
(function () {
  "use strict";
  var url = document.body.getAttribute("data-events");
  var live = document.getElementById("live");
  var note = document.getElementById("connection");
  if (!url || !live || !window.EventSource) {
    return;
  }
  var events = new EventSource(url);
  events.addEventListener("update", function (e) {
    live.innerHTML = e.data;
    note.textContent = "Live: updates every second.";
  });
  events.addEventListener("problem", function (e) {
    note.textContent = e.data;
  });
  events.addEventListener("done", function () {
    events.close();
    note.textContent = "The train has ended; this page no longer changes.";
  });
  events.onerror = function () {
    note.textContent = "Connection lost; reconnecting …";
  };
})();
