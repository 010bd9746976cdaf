// The navigation's counts (what needs me, votes waiting), asked once the page has loaded so
// that every page keeps its own query count. The dashboard renders them itself; without
// JavaScript the dashboard still lists everything.
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

  fetch(nav.getAttribute("data-badges-url"), {
    credentials: "same-origin",
    headers: { Accept: "application/json" },
  })
    .then(function (response) {
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
    })
    .catch(function () {
      /* the counts are a convenience: the dashboard lists everything */
    });
})();
