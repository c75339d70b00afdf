// Refreshes the queue every 10 s so a new hand-off shows without reloading, and says so
// to screen readers. Without JavaScript the page still works (reload by hand).
(function () {
  "use strict";
  var box = document.getElementById("queue");
  var live = document.getElementById("queue-live");
  if (!box || !window.fetch) return;
  var url = box.getAttribute("data-poll");
  var known = ids();
  var title = document.title;

  function ids() {
    return Array.prototype.map.call(box.querySelectorAll("[data-id]"), function (el) {
      return Number(el.getAttribute("data-id"));
    });
  }

  function refresh() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.status === 401) { window.location.href = "/console/login?next=/console"; return null; }
        return response.ok ? response.json() : null;
      })
      .then(function (data) {
        if (!data) return;
        var fresh = data.ids.filter(function (id) { return known.indexOf(id) === -1; });
        // Do not pull the list from under a keyboard user who is inside it.
        if (box.contains(document.activeElement) && !fresh.length) return;
        box.innerHTML = data.html;
        known = data.ids;
        if (fresh.length) {
          live.textContent = fresh.length === 1 ? "1 nouvelle demande." : fresh.length + " nouvelles demandes.";
          document.title = "(" + fresh.length + ") " + title;
        }
      })
      .catch(function () { /* offline for a moment: try again at the next tick */ });
  }

  setInterval(refresh, 10000);
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) { document.title = title; refresh(); }
  });
})();
