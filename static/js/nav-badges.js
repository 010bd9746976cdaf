// The navigation's counts (what needs me, votes waiting), asked once the page has loaded so
// that every page keeps its own query count. The dashboard renders them itself; without
// JavaScript the dashboard still lists everything. Asked again on a "live-refresh" event on
// the nav (static/js/live.js: something changed for the person, or the periodic poll).
(function () {
  "use strict";
  var nav = document.querySelector("nav[data-badges-url]");
  if (!nav || !window.fetch) return;

  function fill(slot, count, text, spaced) {
    if (!slot) return;
    slot.textContent = "";
    if (!count) return;
    var badge = document.createElement("span");
    badge.className = "badge rounded-pill text-bg-danger" + (spaced ? " ms-1" : "");
    badge.setAttribute("aria-hidden", "true");
    badge.textContent = String(count);
    var words = document.createElement("span");
    words.className = "visually-hidden";
    words.textContent = "(" + text + ")";
    slot.appendChild(badge);
    slot.appendChild(words);
  }

  function load(event) {
    fetch(nav.getAttribute("data-badges-url"), {
      credentials: "same-origin",
      // A page's own refresh: not the person's activity (the session's idle timeout).
      headers: { Accept: "application/json", "X-Live-Refresh": "1" },
    })
      .then(function (response) {
        if (response.redirected && event) {
          // Signed out since the page loaded (a timeout): the page itself says so and asks to sign in.
          window.location.reload();
          return null;
        }
        return response.ok ? response.json() : null;
      })
      .then(function (data) {
        if (!data) return;
        fill(nav.querySelector('[data-badge="todos"]'), data.todos.count, data.todos.text, true);
        if (data.notifications) {
          fill(nav.querySelector('[data-badge="notifications"]'), data.notifications.count, data.notifications.text, true);
        }
        nav.querySelectorAll('[data-badge="votes"]').forEach(function (slot) {
          fill(slot, data.votes.count, data.votes.text, true);
        });
        data.programs.forEach(function (program) {
          nav.querySelectorAll("[data-badge-program]").forEach(function (slot) {
            if (slot.getAttribute("data-badge-program") === program.url) {
              fill(slot, program.count, program.text, false);
            }
          });
        });
        nav.setAttribute("data-badges", "loaded");
        nav.setAttribute("data-badges-loads", String(Number(nav.getAttribute("data-badges-loads") || 0) + 1));
      })
      .catch(function () {
        /* the counts are a convenience: the dashboard lists everything */
      });
  }

  // The dashboard renders the counts itself (data-badges="rendered"): nothing to ask at load.
  if (nav.getAttribute("data-badges") !== "rendered") load(null);
  nav.addEventListener("live-refresh", load);
})();
