// The conversation page (templates/relationships/conversation.html): the newest message in
// view, and a word for screen readers when one arrives.
//
// The message list (#message-list) scrolls inside its box. It opens at the newest message
// (unless the address names one: #message-12), and when live.js has it fetched again (a new
// message, an edit, a read receipt) it stays where the reader was, or follows the newest
// message if they were already at the end. The list is swapped whole, so the announcement of
// a new message from the other person goes to a separate status region (#message-status).
(function () {
  "use strict";
  var status = document.getElementById("message-status");

  function list() {
    return document.getElementById("message-list");
  }

  function articleIds(element) {
    var found = {};
    element.querySelectorAll("article[id^='message-']").forEach(function (article) {
      found[article.id] = true;
    });
    return found;
  }

  function nearEnd(element) {
    return element.scrollHeight - element.scrollTop - element.clientHeight < 48;
  }

  var first = list();
  if (!first) return;
  var known = articleIds(first);
  var followEnd = true;
  var keptTop = 0;
  if (!window.location.hash) first.scrollTop = first.scrollHeight;

  document.addEventListener("htmx:beforeSwap", function (event) {
    var element = list();
    if (!element || event.detail.target !== element) return;
    followEnd = nearEnd(element);
    keptTop = element.scrollTop;
  });

  document.addEventListener("htmx:afterSettle", function () {
    var element = list();
    if (!element) return;
    element.scrollTop = followEnd ? element.scrollHeight : keptTop;
    var now = articleIds(element);
    var arrived = Object.keys(now).filter(function (id) {
      return !known[id];
    });
    known = now;
    var theirs = arrived
      .map(function (id) {
        return document.getElementById(id);
      })
      .filter(function (article) {
        return article && !article.classList.contains("message-mine");
      });
    if (status && theirs.length) {
      var from = theirs[theirs.length - 1].getAttribute("data-author") || "the other person";
      status.textContent =
        theirs.length === 1 ? "New message from " + from + "." : theirs.length + " new messages from " + from + ".";
    }
  });
})();
