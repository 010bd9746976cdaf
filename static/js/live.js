// Live updates (issue 18): a member's page hears that something changed for them and
// refreshes that part over HTTP. Loaded by base.html on an organization's pages.
//
// <body data-live-url="/ws/o/<org>/live/" [data-live-websocket="on"]>: the websocket's path,
// and whether the server says a websocket server answers it (mentorship.settings
// LIVE_WEBSOCKETS; under gunicorn alone or the WSGI test server it does not, and the page
// never tries: a failed connect would only log an error in the console).
//
// An event {"event": NAME, NAME: ID} sends a "live-refresh" DOM event (not bubbling) to every
// [data-live-NAME="ID"] element; {"event": NAME} to every [data-live-NAME] element. So:
//   {"event": "conversation", "conversation": 12} -> [data-live-conversation="12"]
//   {"event": "notifications"}                    -> [data-live-notifications], and the nav's counts
// An htmx element refreshes itself with data-hx-trigger="live-refresh".
//
// Without a websocket (none offered, not open yet, or closed) the page polls: a "live-refresh"
// every 5 s to [data-live-conversation] elements and every 30 s to [data-live-notifications]
// and the nav (an element's data-live-poll="<seconds>" sets its own), while the page is
// visible, and tries the websocket again after 1, 2, 4 ... 60 s. <html data-live> says which
// path runs: "websocket" or "polling".
//
// Requests these refreshes make carry "X-Live-Refresh: 1": they are not the person's activity
// (the session's idle timeout), and one answered with the sign-in page reloads the page.
(function () {
  "use strict";
  var body = document.body;
  var path = body && body.getAttribute("data-live-url");
  if (!path) return;

  var root = document.documentElement;
  var POLL_SECONDS = { conversation: 5, notifications: 30 };
  var NAV_POLL_SECONDS = 30;
  var RETRY_FIRST = 1000;
  var RETRY_MOST = 60000;
  var NAME = /^[a-z][a-z0-9-]{0,40}$/;
  var ID = /^[0-9]{1,18}$/;

  var socket = null;
  var retryDelay = RETRY_FIRST;
  var retryTimer = null;
  var pollTimer = null;
  var lastPolled = {}; // "<selector>" -> time of the last poll
  var everOpened = false;

  // A conversation refreshed while its tab is hidden would count as read (the list marks what
  // it shows read): it waits until the page shows again. One refreshed while its last refresh
  // is still on the way is asked again once that one is swapped in (htmx would drop it, or
  // queue it on the element the swap replaces).
  var hiddenPending = false;
  var againAfterSwap = {};

  function refresh(elements) {
    for (var i = 0; i < elements.length; i++) {
      var element = elements[i];
      var conversation = element.getAttribute("data-live-conversation");
      if (conversation !== null) {
        if (document.hidden) {
          hiddenPending = true;
          continue;
        }
        if (element.classList.contains("htmx-request")) {
          againAfterSwap[conversation] = true;
          continue;
        }
      }
      element.dispatchEvent(new CustomEvent("live-refresh", { bubbles: false }));
    }
  }

  document.addEventListener("htmx:afterSettle", function () {
    var ids = Object.keys(againAfterSwap);
    againAfterSwap = {};
    ids.forEach(function (id) {
      if (ID.test(id)) refresh(document.querySelectorAll('[data-live-conversation="' + id + '"]'));
    });
  });

  function nav() {
    return document.querySelectorAll("nav[data-badges-url]");
  }

  function handle(event) {
    if (!event || typeof event.event !== "string" || !NAME.test(event.event)) return;
    var name = event.event;
    var id = event[name];
    if (id !== undefined && id !== null) {
      if (!ID.test(String(id))) return;
      refresh(document.querySelectorAll("[data-live-" + name + '="' + String(id) + '"]'));
    } else {
      refresh(document.querySelectorAll("[data-live-" + name + "]"));
    }
    if (name === "notifications") refresh(nav());
  }

  function refreshAll() {
    refresh(document.querySelectorAll("[data-live-conversation]"));
    refresh(document.querySelectorAll("[data-live-notifications]"));
    refresh(nav());
  }

  // --- polling ---------------------------------------------------------------------------

  function seconds(element, fallback) {
    var own = Number(element.getAttribute("data-live-poll"));
    return own > 0 ? own : fallback;
  }

  function poll() {
    if (document.hidden) return;
    var now = Date.now();
    var groups = [
      [document.querySelectorAll("[data-live-conversation]"), POLL_SECONDS.conversation, "conversation"],
      [document.querySelectorAll("[data-live-notifications]"), POLL_SECONDS.notifications, "notifications"],
      [nav(), NAV_POLL_SECONDS, "nav"],
    ];
    groups.forEach(function (group) {
      var elements = group[0];
      for (var i = 0; i < elements.length; i++) {
        var key = group[2] + ":" + i;
        var every = seconds(elements[i], group[1]) * 1000;
        if (lastPolled[key] === undefined) lastPolled[key] = now;
        if (now - lastPolled[key] >= every) {
          lastPolled[key] = now;
          refresh([elements[i]]);
        }
      }
    });
  }

  function startPolling() {
    root.setAttribute("data-live", "polling");
    if (pollTimer === null) pollTimer = window.setInterval(poll, 1000);
  }

  function stopPolling() {
    if (pollTimer !== null) window.clearInterval(pollTimer);
    pollTimer = null;
    lastPolled = {};
  }

  // --- the websocket ---------------------------------------------------------------------

  function websocketOffered() {
    return body.getAttribute("data-live-websocket") === "on" && "WebSocket" in window;
  }

  function scheduleRetry() {
    if (retryTimer !== null || !websocketOffered()) return;
    var delay = retryDelay;
    retryDelay = Math.min(retryDelay * 2, RETRY_MOST);
    retryTimer = window.setTimeout(function () {
      retryTimer = null;
      connect();
    }, delay + Math.floor(Math.random() * 500));
  }

  function connect() {
    if (socket !== null) return;
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var opened = false;
    try {
      socket = new WebSocket(scheme + window.location.host + path);
    } catch (error) {
      socket = null;
      scheduleRetry();
      return;
    }
    socket.addEventListener("open", function () {
      opened = true;
      retryDelay = RETRY_FIRST;
      stopPolling();
      root.setAttribute("data-live", "websocket");
      // Back after a gap: what changed meanwhile was not heard, so ask for it once. On the
      // first open, a conversation asks too: a message or a read receipt that came between the
      // page's rendering and this moment was sent to no socket (unchanged: a 204, nothing swapped).
      if (everOpened) refreshAll();
      else refresh(document.querySelectorAll("[data-live-conversation]"));
      everOpened = true;
    });
    socket.addEventListener("message", function (message) {
      var event = null;
      try {
        event = JSON.parse(message.data);
      } catch (error) {
        return;
      }
      handle(event);
    });
    socket.addEventListener("close", function () {
      socket = null;
      startPolling();
      if (opened) retryDelay = RETRY_FIRST;
      scheduleRetry();
    });
  }

  // A phone's browser puts a hidden page's socket to sleep: when the page shows again, catch
  // up at once (a socket that died meanwhile is opened again; polling asks now).
  document.addEventListener("visibilitychange", function () {
    if (document.hidden) return;
    if (socket === null && websocketOffered()) {
      if (retryTimer !== null) window.clearTimeout(retryTimer);
      retryTimer = null;
      retryDelay = RETRY_FIRST;
      connect();
    }
    if (pollTimer !== null || hiddenPending) {
      hiddenPending = false;
      refreshAll();
    }
  });

  // htmx requests sent because of a live refresh: marked as the page's own, and one that
  // came back from the sign-in page (the session ended) reloads the page instead of showing
  // the sign-in form inside it.
  document.addEventListener("htmx:configRequest", function (event) {
    var trigger = event.detail && event.detail.triggeringEvent;
    if (trigger && trigger.type === "live-refresh") event.detail.headers["X-Live-Refresh"] = "1";
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail || {};
    var trigger = detail.requestConfig && detail.requestConfig.triggeringEvent;
    var info = detail.pathInfo || {};
    if (!trigger || trigger.type !== "live-refresh" || !info.responsePath) return;
    var asked = info.finalRequestPath || info.requestPath || "";
    var askedPath;
    try {
      askedPath = new URL(asked, window.location.href).pathname;
    } catch (error) {
      return;
    }
    if (asked && info.responsePath.split("?")[0] !== askedPath) {
      detail.shouldSwap = false;
      window.location.reload();
    }
  });

  startPolling();
  if (websocketOffered()) connect();
})();
